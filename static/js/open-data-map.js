// The open-data page's map (/data/peta/): our reports style drawn by MapLibre GL JS over our basemap.
// When the map has drawn, the container says how many report features it shows (data-features).
import * as maplibregl from "maplibre-gl";

const container = document.getElementById("maplibre-map");
maplibregl.setWorkerUrl(new URL(container.dataset.worker, location.href).href);

const map = new maplibregl.Map({ container, style: container.dataset.style, attributionControl: { compact: true } });
map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
map.on("load", () => {
  map.addSource("basemap", {
    type: "raster", tileSize: 256, attribution: container.dataset.attribution,
    tiles: [location.origin + container.dataset.basemap.replace("0/0/0.png", "{z}/{x}/{y}.png")],
  });
  map.addLayer({ id: "basemap", type: "raster", source: "basemap" }, map.getStyle().layers[0].id);
});
map.on("idle", () => {
  container.dataset.features = map.queryRenderedFeatures({ layers: ["reports", "report-groups"] }).length;
});
