// Samverka: the interactive network view (cytoscape.js). The graph comes from a
// <script type="application/json"> block; the filters re-fetch it from the API. The table of
// the page is the text alternative and the view without JavaScript.
(function () {
  "use strict";
  const container = document.getElementById("network-canvas");
  if (!container || !window.cytoscape) return;
  const data = JSON.parse(document.getElementById(container.dataset.view).textContent);
  const status = document.getElementById("network-status");
  const form = document.getElementById("network-filters");
  const colours = {
    company: "#1f77b4",
    academia: "#d62728",
    public: "#2ca02c",
    civil_society: "#ff7f0e",
    other: "#7f7f7f",
  };
  container.hidden = false;
  let cy = null;

  function elements(payload) {
    const nodes = payload.nodes.map((n) => ({
      data: { id: String(n.id), name: n.name, degree: n.degree, colour: colours[n.helix] || colours.other },
    }));
    const edges = payload.edges.map((e) => ({
      data: { id: e.source + "-" + e.target, source: String(e.source), target: String(e.target), weight: e.weight },
    }));
    return nodes.concat(edges);
  }

  function describe(payload) {
    status.textContent = status.dataset.template
      .replace("{shown}", payload.nodes.length)
      .replace("{total}", payload.total_nodes)
      .replace("{edges}", payload.edges.length)
      .replace("{total_edges}", payload.total_edges);
    status.dataset.nodes = String(payload.nodes.length);
  }

  function draw(payload) {
    const maxDegree = Math.max(1, ...payload.nodes.map((n) => n.degree));
    const maxWeight = Math.max(1, ...payload.edges.map((e) => e.weight));
    if (cy) cy.destroy();
    cy = window.cytoscape({
      container: container,
      elements: elements(payload),
      minZoom: 0.2,
      maxZoom: 4,
      style: [
        {
          selector: "node",
          style: {
            "background-color": "data(colour)",
            "border-color": "#333333",
            "border-width": 1,
            width: "mapData(degree, 0, " + maxDegree + ", 14, 46)",
            height: "mapData(degree, 0, " + maxDegree + ", 14, 46)",
            label: payload.nodes.length <= 60 ? "data(name)" : "",
            "font-size": 9,
            "text-valign": "bottom",
            "text-margin-y": 3,
          },
        },
        {
          selector: "edge",
          style: {
            width: "mapData(weight, 1, " + maxWeight + ", 1, 6)",
            "line-color": "#9aa5b1",
            opacity: 0.7,
          },
        },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#000000" } },
      ],
      layout:
        payload.nodes.length <= 150
          ? { name: "cose", animate: false, randomize: false, nodeRepulsion: 8000, padding: 20 }
          : { name: "concentric", concentric: (n) => n.data("degree"), levelWidth: () => 2, animate: false },
    });
    cy.on("tap", "node", (event) => {
      window.location.href = data.ego.replace("/0/", "/" + event.target.id() + "/");
    });
    cy.on("mouseover", "node", (event) => { container.title = event.target.data("name"); });
    describe(payload);
  }

  draw(data.payload);

  // The figures and the table follow the filters: the server renders them for the same query.
  const analytics = document.getElementById("network-analytics");
  function refreshTable(params) {
    if (!analytics) return Promise.resolve();
    const query = new URLSearchParams(params);
    query.set("fragment", "analytics");
    analytics.setAttribute("aria-busy", "true");
    return fetch(window.location.pathname + "?" + query.toString(), { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then((html) => {
        analytics.innerHTML = html;
        analytics.dataset.query = params.toString();
        analytics.removeAttribute("aria-busy");
      });
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const params = new URLSearchParams(new FormData(form));
      const query = new URLSearchParams();
      params.getAll("kind").forEach((kind) => query.append("kind", kind));
      if (params.get("year")) query.set("year", params.get("year"));
      fetch(data.api + "?" + query.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then((payload) => {
          draw(payload);
          history.replaceState(null, "", "?" + params.toString());
          return refreshTable(params);
        })
        .catch(() => {
          // No API answer: fall back to the server-rendered page for these filters.
          window.location.search = params.toString();
        });
    });
    form.addEventListener("change", () => form.requestSubmit());
  }
})();
