/* django-leaflet applies FORCE_IMAGE_PATH (LEAFLET_CONFIG) as leaflet.extras.js loads. The admin loads that
   script in the head, before its map widgets write the setting into the page, and its markers were broken
   images. Deferred, this runs once the page is parsed and before the maps are drawn (on window load). */
"use strict";
(function () {
  var path = document.getElementById("force-img-path");
  if (window.L && path) L.Icon.Default.imagePath = JSON.parse(path.textContent);
})();
