// Show the "Print or save as PDF" button (hidden without JavaScript: the page then says how
// to print with the browser's own command) and open the print dialogue when it is pressed.
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
