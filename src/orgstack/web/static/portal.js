// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  // Links of the AWS portal carry the route in the fragment (`/start/#/device?user_code=…`,
  // `/start/#/console?account_id=…&role_name=…`), which never reaches the server. Hand it over.
  var routes = { "#/device": "/start/device", "#/console": "/start/console" };
  var hash = window.location.hash;
  for (var prefix in routes) {
    if (hash === prefix || hash.indexOf(prefix + "?") === 0) {
      window.location.replace(routes[prefix] + hash.slice(prefix.length));
      return;
    }
  }

  // Filter the account list while typing; the search button still queries the server.
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("input[data-filter]");
    if (!input) { return; }
    var list = document.querySelector(input.getAttribute("data-filter"));
    if (!list) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var items = list.querySelectorAll("li.account");
      for (var i = 0; i < items.length; i++) {
        var text = items[i].getAttribute("data-search") || "";
        items[i].hidden = needle !== "" && text.indexOf(needle) === -1;
      }
    });
  });
})();
