// Live referral pages: on each change the server streams, fetch this page again and replace its
// live parts (elements with data-live-part and an id), so lists and statuses update without a
// reload. Without JavaScript the page shows the same on reload.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var announce = document.getElementById("live-announce");
  var waiting = false;
  function refresh() {
    waiting = false;
    fetch(location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-part]").forEach(function (part) {
          var next = fresh.getElementById(part.id);
          if (next && next.innerHTML !== part.innerHTML) {
            // A fold the reader opened stays open when its part is replaced.
            var open = [];
            part.querySelectorAll("details[open][id]").forEach(function (d) { open.push(d.id); });
            part.innerHTML = next.innerHTML;
            open.forEach(function (id) {
              var d = document.getElementById(id);
              if (d && part.contains(d)) {
                d.open = true;
              }
            });
          }
        });
        if (announce) {
          // Cleared first, so that a screen reader announces each update, not only the first.
          announce.textContent = "";
          setTimeout(function () { announce.textContent = announce.getAttribute("data-updated"); }, 100);
        }
      })
      .catch(function () {});
  }
  var source = new EventSource(root.getAttribute("data-live"));
  source.addEventListener("change", function () {
    if (!waiting) {
      waiting = true;
      setTimeout(refresh, 150);
    }
  });
})();
