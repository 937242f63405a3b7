// The "try it" console of the developer panel (templates/portal/_developer_panel.html): a call through the
// bus with the key pasted in the page. The key goes only into the call's Authorization header.
(function () {
  if (window.splpConsole) return;
  window.splpConsole = true;

  function setUp(panel) {
    var data = JSON.parse(document.getElementById(panel.dataset.console).textContent);
    var part = function (role) { return panel.querySelector('[data-role="' + role + '"]'); };
    var operation = part("operation"), path = part("path"), body = part("body"), bodyField = part("body-field");

    function choose() {
      var call = data.calls[Number(operation.value)];
      path.value = call.path;
      body.value = call.body;
      bodyField.hidden = ["POST", "PUT", "PATCH"].indexOf(call.method) < 0;
    }

    function show(status, text) {
      part("result").hidden = false;
      part("status").textContent = status;
      part("response").textContent = text;
    }

    part("send").addEventListener("click", function () {
      var key = part("key").value.trim();
      if (!key) { show(panel.dataset.noKey, ""); return; }
      var call = data.calls[Number(operation.value)];
      var options = { method: call.method, headers: { Authorization: "Bearer " + key }, credentials: "omit",
                      cache: "no-store" };
      if (!bodyField.hidden && body.value.trim()) {
        options.headers["Content-Type"] = "application/json";
        options.body = body.value;
      }
      fetch(data.base + path.value.replace(/^\/+/, ""), options).then(function (response) {
        return response.text().then(function (text) {
          try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON: as it came */ }
          show(response.status + " " + response.statusText, text);
        });
      }, function (error) { show(panel.dataset.failed + " " + error.message, ""); });
    });

    operation.addEventListener("change", choose);
    choose();
    panel.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".try-it[data-console]").forEach(setUp);
  });
})();
