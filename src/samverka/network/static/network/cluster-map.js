// Samverka: the cluster map (Leaflet). Reads its data from a <script type="application/json">
// block; the list of clusters by county below the map stays the text alternative.
(function () {
  "use strict";
  const container = document.getElementById("cluster-map");
  if (!container || !window.L) return;
  const data = JSON.parse(document.getElementById(container.dataset.map).textContent);
  container.hidden = false;

  const map = L.map(container, { zoomSnap: 0.25, attributionControl: Boolean(data.tiles) });
  map.setView([62.5, 16.5], 4.5);
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 12, attribution: data.tilesAttribution || "" }).addTo(map);
  }
  const placed = new Set(data.counties.map((c) => c.code));

  function link(cluster) {
    const a = document.createElement("a");
    a.href = cluster.url;
    a.textContent = cluster.name;
    return a;
  }

  function popupFor(county) {
    const box = document.createElement("div");
    const heading = document.createElement("strong");
    heading.textContent = county.name;
    const list = document.createElement("ul");
    list.className = "map-popup-list";
    county.clusters.forEach((cluster) => {
      const item = document.createElement("li");
      item.appendChild(link(cluster));
      list.appendChild(item);
    });
    box.append(heading, list);
    return box;
  }

  fetch(data.boundaries)
    .then((response) => {
      if (!response.ok) throw new Error("boundaries " + response.status);
      return response.json();
    })
    .then((geojson) => {
      const layer = L.geoJSON(geojson, {
        style: (feature) => ({
          color: "#ffffff",
          weight: 1,
          fillColor: placed.has(feature.properties.code) ? "#6fae4a" : "#d9d9d9",
          fillOpacity: 0.8,
        }),
        onEachFeature: (feature, path) => path.bindTooltip(feature.properties.name, { sticky: true }),
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [8, 8], animate: false });
      container.dataset.ready = "true";
    })
    .catch(() => {
      container.classList.add("map-failed");
    });

  data.counties.forEach((county) => {
    const n = county.clusters.length;
    const icon = L.divIcon({
      className: "cluster-marker",
      html: "<span>" + n + "</span>",
      iconSize: [28, 28],
    });
    const label = county.name + ": " + n + " " + (n === 1 ? container.dataset.labelOne : container.dataset.labelMany);
    const marker = L.marker([county.lat, county.lon], { icon: icon, title: label, alt: label, keyboard: true });
    if (n === 1) {
      marker.on("click", () => { window.location.href = county.clusters[0].url; });
      marker.bindTooltip(county.clusters[0].name);
    } else {
      marker.bindPopup(popupFor(county));
    }
    marker.addTo(map);
  });
})();
