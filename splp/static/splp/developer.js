// The "try it" console of the developer panel (templates/portal/_developer_panel.html): a call through the
// bus with the key pasted in the page. The key goes only into the call's Authorization header.
(function () {
  if (window.splpConsole) return;
  window.splpConsole = true;

  function setUp(panel) {
    var data = JSON.parse(document.getElementById(panel.dataset.console).textContent);
    var part = function (role) { return panel.querySelector('[data-role="' + role + '"]'); };
    var operation = part("operation"), path = part("path"), headers = part("headers"), body = part("body"),
        bodyField = part("body-field"), files = part("files");

    function choose() {
      var call = data.calls[Number(operation.value)];
      path.value = call.path;
      headers.value = call.headers;
      body.value = call.body;
      bodyField.hidden = ["POST", "PUT", "PATCH"].indexOf(call.method) < 0;
      part("media-type").textContent = call.media_type;
      part("form-help").hidden = call.kind !== "form" && call.kind !== "multipart";
      // One file input per file field; its name is the publisher's text, so set as text only.
      files.replaceChildren();
      call.files.forEach(function (name) {
        var label = document.createElement("label"), input = document.createElement("input");
        input.type = "file";
        input.dataset.field = name;
        label.append(name, " ", input);
        files.append(label);
      });
      part("files-field").hidden = bodyField.hidden || !call.files.length;
    }

    function show(status, text) {
      part("result").hidden = false;
      part("status").textContent = status;
      part("response").textContent = text;
    }

    // The call as the panel's fields describe it: the headers typed (one "Name: value" a line), the key last so
    // that none of them replaces it, and the body in the operation's media type.
    function request(call, key) {
      var sent = new Headers();
      headers.value.split("\n").forEach(function (line) {
        var colon = line.indexOf(":");
        if (colon > 0) sent.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
      });
      sent.set("Authorization", "Bearer " + key);
      var options = { method: call.method, headers: sent, credentials: "omit", cache: "no-store" };
      if (bodyField.hidden) return options;
      if (call.kind === "multipart") {
        var form = new FormData();  // fetch sets the Content-Type, with its boundary
        new URLSearchParams(body.value.trim()).forEach(function (value, name) { form.append(name, value); });
        files.querySelectorAll("input[type=file]").forEach(function (input) {
          if (input.files.length) form.append(input.dataset.field, input.files[0]);
        });
        options.body = form;
      } else if (body.value.trim()) {
        sent.set("Content-Type", call.media_type || "application/json");
        options.body = body.value;
      }
      return options;
    }

    part("send").addEventListener("click", function () {
      var key = part("key").value.trim();
      if (!key) { show(panel.dataset.noKey, ""); return; }
      var call = data.calls[Number(operation.value)];
      var options;
      try {
        options = request(call, key);
      } catch (error) {  // a header name or value the browser refuses
        show(panel.dataset.failed + " " + error.message, "");
        return;
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
