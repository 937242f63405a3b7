// Copy buttons for the key shown once: <button data-copy="element-id" data-copied="label">.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(function () {
    button.textContent = button.dataset.copied;
  });
});

// Buttons with lasting effects ask first: <form data-confirm="question">.
document.addEventListener("submit", function (event) {
  var question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// "All" checkboxes: ticking <input data-check-all="name"> ticks every box named "name"; unticking one of those
// unticks "all" (without this script the server refuses the contradiction).
document.addEventListener("change", function (event) {
  var box = event.target;
  if (box.dataset.checkAll) {
    if (!box.checked) return;
    document.querySelectorAll('input[type=checkbox][name="' + box.dataset.checkAll + '"]').forEach(function (item) {
      item.checked = true;
    });
  } else if (box.type === "checkbox" && !box.checked) {
    var all = document.querySelector('input[data-check-all="' + box.name + '"]');
    if (all) all.checked = false;
  }
});
