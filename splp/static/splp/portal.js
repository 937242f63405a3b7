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
