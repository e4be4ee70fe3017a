// Tell the LMS how tall the page is, so its iframe shows it without a second scrollbar.
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var last = 0;
  function report() {
    // The page's own height: scrollHeight never drops below the frame's height, so a
    // page that gets shorter (a wider window, a closed disclosure) could never say so.
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
    }
  }
  window.addEventListener("load", report);
  if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
})();
