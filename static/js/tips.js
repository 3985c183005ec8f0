// Why a cell is what it is: shown on hover, on keyboard focus and on a tap (a tap focuses the
// cell, which carries tabindex="0"). One delegated tooltip for every [data-tip] of the page.
if (window.bootstrap) {
  new bootstrap.Tooltip(document.body, { selector: "[data-tip]", trigger: "hover focus", container: "body" });
}
