/* Starts Swagger UI for /api/v1/docs; settings come from data- attributes (no inline script). */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.dataset.csrfToken;
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    // A logged-in browser user may try the write endpoints; Django wants the CSRF token for them.
    requestInterceptor: function (request) {
      if (csrfToken && request.method && !/^(GET|HEAD|OPTIONS)$/i.test(request.method)) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    }
  });
})();
