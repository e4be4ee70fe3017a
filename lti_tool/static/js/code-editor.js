// The lab page's code editor, enhanced: without this script it is a plain <textarea>.
// Tab / Shift+Tab indent and dedent the line or selection, Enter keeps the indentation,
// and a gutter numbers the lines. So that the keyboard is never trapped (WCAG 2.1.2),
// Escape then Tab leaves the editor; the page says so (the help's data-enhanced text).
(function () {
  "use strict";
  var INDENT = "    ";

  function lineStart(text, index) { return text.lastIndexOf("\n", index - 1) + 1; }

  // Replace [start, end) with text and keep the browser's undo history where it can.
  function replaceRange(area, start, end, text) {
    area.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || area.value.slice(start, start + text.length) !== text) {
      area.setRangeText(text, start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function shiftLines(area, outdent) {
    var text = area.value;
    var start = area.selectionStart;
    var end = area.selectionEnd;
    if (!outdent && start === end) {
      replaceRange(area, start, end, INDENT);
      return;
    }
    var first = lineStart(text, start);
    // A selection that ends at the start of a line does not take that line along.
    var lastIndex = end > start && text.charAt(end - 1) === "\n" ? end - 1 : end;
    var stop = text.indexOf("\n", lastIndex);
    if (stop < 0) { stop = text.length; }
    var firstShift = 0;
    var total = 0;
    var lines = text.slice(first, stop).split("\n").map(function (line, i) {
      var shift;
      if (outdent) {
        shift = line.charAt(0) === "\t" ? 1 : line.match(/^ {0,4}/)[0].length;
        line = line.slice(shift);
        shift = -shift;
      } else {
        shift = INDENT.length;
        line = INDENT + line;
      }
      if (i === 0) { firstShift = shift; }
      total += shift;
      return line;
    });
    replaceRange(area, first, stop, lines.join("\n"));
    var newStart = Math.max(first, start + firstShift);
    area.setSelectionRange(newStart, Math.max(newStart, end + total));
  }

  function newline(area) {
    var text = area.value;
    var start = area.selectionStart;
    var indentation = text.slice(lineStart(text, start), start).match(/^[ \t]*/)[0];
    replaceRange(area, start, area.selectionEnd, "\n" + indentation);
  }

  function addGutter(area) {
    var gutter = document.createElement("pre");
    gutter.className = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(gutter, area);
    var shown = 0;
    function number() {
      var count = area.value.split("\n").length;
      if (count === shown) { return; }
      var numbers = [];
      for (var i = 1; i <= count; i += 1) { numbers.push(i); }
      gutter.textContent = numbers.join("\n");
      shown = count;
    }
    area.addEventListener("input", number);
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    number();
  }

  function enhance(area) {
    var leaving = false;  // Escape was pressed: the next Tab moves focus out
    area.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { leaving = true; return; }
      if (event.key === "Tab" && !leaving && !event.ctrlKey && !event.altKey && !event.metaKey) {
        event.preventDefault();
        shiftLines(area, event.shiftKey);
      } else if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey
                 && !event.isComposing) {
        event.preventDefault();
        newline(area);
      }
      if (event.key !== "Shift") { leaving = false; }
    });
    area.addEventListener("blur", function () { leaving = false; });
    addGutter(area);
    var help = document.getElementById("code-help");
    if (help && help.dataset.enhanced) { help.textContent = help.dataset.enhanced; }
  }

  var areas = document.querySelectorAll("textarea[data-code-editor]");
  for (var i = 0; i < areas.length; i += 1) { enhance(areas[i]); }
})();
