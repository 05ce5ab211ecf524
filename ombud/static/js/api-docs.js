/* Starts Swagger UI on /api/v1/docs (ombud/api_docs.py) with the settings the page carries as
   JSON: no inline script, so that the Content-Security-Policy can forbid them. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  window.ui = window.SwaggerUIBundle(config);
})();
