// The demo LMS honours lti.frameResize like a real LMS: the tool's frame grows with its page.
window.addEventListener("message", function (event) {
  "use strict";
  var data = event.data;
  if (event.origin !== window.location.origin || !data || data.subject !== "lti.frameResize") { return; }
  document.querySelectorAll("iframe.tool-frame").forEach(function (frame) {
    if (frame.contentWindow === event.source && data.height > 0) {
      frame.style.height = Math.min(data.height + 20, 20000) + "px";
    }
  });
});

// After a deep-linking return inside the tool's frame, the demo course page reloads as a whole.
document.querySelectorAll("a[data-navigate-top]").forEach(function (link) {
  "use strict";
  if (window.top !== window.self) { window.top.location.href = link.href; }
});
