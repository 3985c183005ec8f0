// Bar widths come in data-width (percent): the Content-Security-Policy forbids style attributes,
// while a style set from a script is allowed.
document.querySelectorAll("[data-width]").forEach(function (bar) {
  bar.style.width = bar.dataset.width + "%";
});
