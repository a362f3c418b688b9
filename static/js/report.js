/* The map page: place a pin, see its kelurahan, check for duplicates, shrink photos, send or queue the report. */
"use strict";

(function () {
  var TEXT = JSON.parse(document.getElementById("texts").textContent);
  // Photos are shrunk before upload to at most PHOTO_BYTES each, so that one crosses a 3G upload (750 kbit/s) in
  // about two seconds: the long edge MAX_EDGE at the first of QUALITIES that fits, else SMALL_EDGE at the last.
  // WebP where the browser encodes it (a third smaller than JPEG at the same look), JPEG elsewhere; the server takes
  // both (reports/photos.py) and stores its own JPEG. bench/journeys_bench.py measures the result (issue 30).
  var MAX_EDGE = 1600, SMALL_EDGE = 1280, PHOTO_BYTES = 200 * 1024, QUALITIES = [0.8, 0.65];
  var form = document.getElementById("report-form");
  var placeText = document.getElementById("place");
  var sendState = document.getElementById("send-state");
  var photoInput = document.getElementById("id_photos");
  var MAX_PHOTOS = 5;             // reports.forms.MAX_PHOTOS
  var photos = [];                // {blob, name}: shrunk photos, in the order chosen
  var adding = 0;                 // photos still being shrunk
  var shrinking = Promise.resolve();  // settles once every photo picked so far is shrunk and in `photos`
  var photoPlace = null;          // [lat, lon] from the first photo's EXIF
  var map, pin;

  function csrfToken() { return form.querySelector("[name=csrfmiddlewaretoken]").value; }

  /* Errors beside their fields (boxes id_<name>_error, Django's ids), tied to them with aria-invalid and
     aria-describedby, focus on the first; an error goes as soon as its field is changed. */
  function fieldsNamed(name) { return form.querySelectorAll("[name='" + name + "']"); }

  function markField(name, invalid) {
    var errorId = "id_" + name + "_error";
    fieldsNamed(name).forEach(function (field) {
      if (field.type === "hidden") return;
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== errorId;
      });
      if (invalid) { described.push(errorId); field.setAttribute("aria-invalid", "true"); }
      else field.removeAttribute("aria-invalid");
      if (described.length) field.setAttribute("aria-describedby", described.join(" "));
      else field.removeAttribute("aria-describedby");
    });
  }

  // The pin has no field of its own: its errors point at the map, which takes the keyboard.
  function focusTarget(name) {
    if (name === "lat" || name === "lon") return document.getElementById("map");
    var field = fieldsNamed(name)[0];
    return field && field.type !== "hidden" ? field : null;
  }

  function showErrors(errors) {
    var first = null;
    if (errors.lon && !errors.lat) errors.lat = errors.lon;
    form.querySelectorAll(".field-errors").forEach(function (box) {
      var name = box.dataset.for, messages = errors[name] || [];
      box.textContent = "";
      messages.forEach(function (m) { var p = document.createElement("p"); p.textContent = m; box.appendChild(p); });
      markField(name, messages.length > 0);
      var target = messages.length && !first && focusTarget(name);
      if (target && target.offsetParent !== null) first = target;  // a field of the other kind is hidden
    });
    if (first) { first.focus(); first.scrollIntoView({ block: "center" }); }
  }

  function clearError(name) {
    var box = document.getElementById("id_" + name + "_error");
    if (box && box.firstChild) { box.textContent = ""; markField(name, false); }
  }
  function fieldChanged(event) {  // the photo picker says itself what is wrong with a pick
    if (event.target.name && event.target.name !== "photos") clearError(event.target.name);
  }
  form.addEventListener("input", fieldChanged);
  form.addEventListener("change", fieldChanged);

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    });
  }

  /* The place: a pin, its kelurahan from /api/v1/locate, and the duplicate check. */
  var pinsPlaced = 0;  // only the answer for the latest pin counts: a second tap's may come back first
  function setPin(lat, lon) {
    var placed = ++pinsPlaced;
    // The pin takes no taps: a second tap on the same spot reaches what lies under it (the map, or a report's
    // marker, which puts the pin exactly on that report), not the pin's own icon a few pixels off.
    if (pin) pin.setLatLng([lat, lon]); else pin = L.marker([lat, lon], { interactive: false, keyboard: false }).addTo(map);
    form.lat.value = ""; form.lon.value = "";
    placeText.className = "place"; placeText.textContent = TEXT.locating;
    getJson("/api/v1/locate?lat=" + lat + "&lon=" + lon).then(function (answer) {
      if (placed !== pinsPlaced) return;
      if (answer.status === 200) {
        form.lat.value = lat.toFixed(6); form.lon.value = lon.toFixed(6);
        placeText.textContent = "Kelurahan " + answer.body.kelurahan.name + ", Kecamatan " + answer.body.kecamatan.name;
        placeText.className = "place ok";
        performance.mark("lapor:kelurahan-shown");
        clearError("lat");
        checkAssets();
      } else {
        placeText.textContent = answer.body.error || TEXT.error;
        placeText.className = "place refused";
      }
    }).catch(function () {
      if (placed !== pinsPlaced) return;
      // Offline: keep the point; the server checks it when the report is sent.
      form.lat.value = lat.toFixed(6); form.lon.value = lon.toFixed(6);
      placeText.textContent = TEXT.offline_place; placeText.className = "place";
      clearError("lat");
    });
  }

  function checkDuplicates() {
    var box = document.getElementById("duplicates"), list = box.querySelector("ul");
    var category = form.category.value;
    if (!category || !form.lat.value) { box.hidden = true; return; }
    var asset = form.asset.value ? "&asset=" + form.asset.value : "";
    getJson("/api/v1/reports/duplicates?lat=" + form.lat.value + "&lon=" + form.lon.value + "&category=" + category +
            asset)
      .then(function (answer) {
        var features = answer.status === 200 ? answer.body.features : [];
        list.innerHTML = "";
        features.forEach(function (f) {
          var p = f.properties, item = document.createElement("li"), link = document.createElement("a");
          var photo = p.photos.filter(function (ph) { return ph.kind === "resident"; })[0];
          if (photo) {
            var image = document.createElement("img");
            image.src = photo.thumbnail; image.alt = ""; image.width = 72; image.height = 72; image.loading = "lazy";
            item.appendChild(image);
          }
          link.href = p.url; link.textContent = p.code + " · " + p.category_name + " · " + Math.round(p.distance_m) + " m";
          var detail = document.createElement("p"); detail.textContent = p.description;
          var button = document.createElement("button");
          button.type = "button"; button.className = "support-button";
          support.wire(button, p.code, p.url, p.support_count, TEXT, csrfToken());
          item.append(link, detail, button); list.appendChild(item);
        });
        box.hidden = features.length === 0;
      }).catch(function () { box.hidden = true; });
  }

  /* The asset (assets/): for a category that names a layer, the nearest street light, drain or road segment to
     the pin is chosen; the resident may choose another near it, tap one on the map (its layer shows from zoom 16),
     or say it is not on the map. */
  var assetBox = document.getElementById("asset-choice"), assetOptions = document.getElementById("asset-options");
  var assetLayer = null, assetLayerKind = "", assetShown = null, wantedAsset = null, assetsAsked = 0;

  function assetKind() {
    var option = form.category.options[form.category.selectedIndex];
    return option ? option.getAttribute("data-asset-kind") || "" : "";
  }

  function chooseAsset(asset) {
    form.asset.value = asset ? String(asset.id) : "";
    document.getElementById(asset ? "asset-" + asset.id : "asset-none").checked = true;
    if (assetShown) { map.removeLayer(assetShown); assetShown = null; }
    if (asset) {
      assetShown = L.geoJSON(asset.geometry, { interactive: false, style: { className: "asset-chosen" },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 10, className: "asset-chosen" }); },
      }).addTo(map);
    }
    clearError("asset");
    checkDuplicates();
  }

  function showAssetLayer(kind) {
    if (kind === assetLayerKind) return;
    if (assetLayer) { map.removeLayer(assetLayer); assetLayer = null; }
    assetLayerKind = kind;
    if (!kind || !map) return;
    import("asset-tiles").then(function (tiles) {
      if (assetLayerKind !== kind) return;
      assetLayer = tiles.assetTiles({ kind: kind, pick: function (id, latlng) {
        wantedAsset = id;  // the pin goes where the tap was; the asset is chosen once the nearest come back
        setPin(latlng.lat, latlng.lng);
      } }).addTo(map);
    }).catch(function () {});  // without import maps: the list of the nearest still picks
  }

  function assetOption(asset) {
    var label = document.createElement("label"), radio = document.createElement("input");
    label.className = "choice";
    radio.type = "radio"; radio.name = "asset_pick"; radio.value = asset.id; radio.id = "asset-" + asset.id;
    radio.addEventListener("change", function () { chooseAsset(asset); });
    label.append(radio, " " + asset.identifier + (asset.name ? " · " + asset.name : "") + " · " +
                 Math.round(asset.distance_m) + " m");
    return label;
  }

  function checkAssets() {
    var kind = assetKind(), asked = ++assetsAsked;
    if (map) showAssetLayer(kind);
    if (!kind || !form.lat.value) {
      assetBox.hidden = true;
      if (map) chooseAsset(null); else form.asset.value = "";
      return;
    }
    getJson("/api/v1/assets/nearest?kind=" + kind + "&lat=" + form.lat.value + "&lon=" + form.lon.value)
      .then(function (answer) {
        if (asked !== assetsAsked) return;
        var assets = answer.status === 200 ? answer.body.assets : [];
        assetOptions.innerHTML = "";
        assets.forEach(function (asset) { assetOptions.appendChild(assetOption(asset)); });
        if (!assets.length) {
          var none = document.createElement("p"); none.className = "hint"; none.textContent = TEXT.no_asset_near;
          assetOptions.appendChild(none);
        }
        assetBox.hidden = false;
        chooseAsset(assets.filter(function (a) { return a.id === wantedAsset; })[0] || assets[0] || null);
        wantedAsset = null;
      }).catch(function () { assetBox.hidden = true; form.asset.value = ""; checkDuplicates(); });
  }
  document.getElementById("asset-none").addEventListener("change", function () { chooseAsset(null); });

  /* Photos: read the GPS position first, then shrink on a canvas (which also drops all metadata). */
  function drawn(bitmap, edge) {
    var scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function encode(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/webp", quality); }).then(function (blob) {
      if (blob && blob.type === "image/webp") return blob;
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
    });
  }

  function shrink(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      if (Math.max(bitmap.width, bitmap.height) <= MAX_EDGE && file.size <= PHOTO_BYTES) return file;
      var tries = QUALITIES.map(function (quality) { return [MAX_EDGE, quality]; })
        .concat([[SMALL_EDGE, QUALITIES[QUALITIES.length - 1]]]);
      var canvas = null, edge = 0;  // drawn once per edge, encoded once per quality
      function attempt(i) {
        if (tries[i][0] !== edge) { edge = tries[i][0]; canvas = drawn(bitmap, edge); }
        return encode(canvas, tries[i][1]).then(function (blob) {
          return blob.size <= PHOTO_BYTES || i === tries.length - 1 ? blob : attempt(i + 1);
        });
      }
      return attempt(0).then(function (blob) { bitmap.close(); return blob; });
    }).catch(function () { return file; }); // not decodable here: let the server say what is wrong
  }

  /* The picker adds: each pick (camera or gallery) joins the earlier ones, up to MAX_PHOTOS, each with its
     thumbnail and a remove button. */
  function photoError(text) {
    var box = document.getElementById("id_photos_error");
    box.textContent = "";
    if (text) { var p = document.createElement("p"); p.textContent = text; box.appendChild(p); }
  }

  function offerPhotoPlace(file) {
    if (!window.exifr || form.lat.value) return;
    exifr.gps(file).then(function (gps) {
      if (gps && !form.lat.value) {
        photoPlace = [gps.latitude, gps.longitude];
        document.getElementById("photo-place").hidden = false;
      }
    }).catch(function () {});
  }

  function photoItem(photo) {
    var item = document.createElement("li"), image = document.createElement("img");
    var label = document.createElement("span"), bar = document.createElement("progress");
    var remove = document.createElement("button");
    image.alt = ""; image.width = 64; image.height = 64;
    image.src = URL.createObjectURL(photo.blob);
    image.onerror = function () { image.hidden = true; };  // e.g. HEIC: the browser cannot show it; the server reads it
    label.textContent = photo.name + " · " + Math.round(photo.blob.size / 1024) + " KB";
    bar.max = 100; bar.value = 0; bar.hidden = true;
    remove.type = "button"; remove.className = "remove";
    remove.addEventListener("click", function () {
      photos.splice(photos.indexOf(photo), 1);
      URL.revokeObjectURL(image.src);
      showPhotos();
      photoError("");
      (photos.length ? document.querySelector("#photo-list .remove") : photoInput).focus();
    });
    item.append(image, label, bar, remove);
    photo.bar = bar;
    return item;
  }

  function showPhotos() {
    var list = document.getElementById("photo-list");
    list.textContent = "";
    photos.forEach(function (photo, i) {
      var item = photo.item = photo.item || photoItem(photo);
      item.querySelector(".remove").textContent = TEXT.remove_photo.replace("%(number)s", i + 1);
      list.appendChild(item);
    });
    document.getElementById("photo-count").textContent = TEXT.photo_count.replace("%(count)s", photos.length);
  }

  function addPhotos(input) {
    var files = Array.prototype.slice.call(input.files), room = MAX_PHOTOS - photos.length - adding;
    input.value = "";  // the same photo can be picked again; the form itself sends only the shrunk copies
    photoError(files.length > room ? TEXT.too_many_photos : "");
    files = files.slice(0, Math.max(room, 0));
    if (files.length) performance.mark("lapor:photo-picked");
    if (files.length && !photos.length) offerPhotoPlace(files[0]);
    adding += files.length;
    shrinking = files.reduce(function (previous, file) {  // one at a time, in order: a phone has little memory
      return previous.then(function () { return shrink(file); }).then(function (blob) {
        adding -= 1;
        photos.push({ blob: blob, name: file.name });
        showPhotos();
        performance.mark("lapor:photo-ready");
      });
    }, shrinking);
  }

  document.getElementById("camera-field").hidden = false;
  photoInput.addEventListener("change", function () { addPhotos(photoInput); });
  document.getElementById("camera").addEventListener("change", function (event) { addPhotos(event.target); });

  // Upload progress of each photo, from how far the request body has gone (photos are its last parts, in order).
  function showProgress(entry, loaded, total) {
    var sizes = entry.photos.map(function (blob) { return blob.size; });
    var offset = total - sizes.reduce(function (a, b) { return a + b; }, 0);
    photos.forEach(function (photo, i) {
      if (!photo.bar) return;
      photo.bar.hidden = false;
      photo.bar.value = Math.max(0, Math.min(100, 100 * (loaded - offset) / sizes[i]));
      offset += sizes[i];
    });
    showState(TEXT.sending + " " + Math.round(100 * loaded / total) + "%");
  }

  document.getElementById("use-photo-place").addEventListener("click", function () {
    if (!photoPlace) return;
    map.setView(photoPlace, 17);
    setPin(photoPlace[0], photoPlace[1]);
    document.getElementById("photo-place").hidden = true;
  });

  /* Sending: the API with the form's fields and the shrunk photos; offline, into the outbox. */
  function formFields() {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "photos" && name !== "csrfmiddlewaretoken") fields[name] = (fields[name] || []).concat(value);
    });
    return fields;
  }

  /* XMLHttpRequest rather than fetch: it tells how far the upload has gone. */
  function post(entry, onProgress) {
    var body = outbox.body(entry);
    return new Promise(function (resolve, reject) {
      var request = new XMLHttpRequest();
      request.open("POST", "/api/v1/reports");
      request.setRequestHeader("X-CSRFToken", csrfToken());
      request.setRequestHeader("Accept", "application/json");
      if (onProgress) request.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded, e.total); };
      request.onload = function () {
        // The server is down or overloaded (503 with Retry-After): like no network, the report waits on the phone.
        if (request.status >= 500) { reject(new Error("server unavailable")); return; }
        try { resolve({ status: request.status, body: JSON.parse(request.responseText) }); } catch (e) { reject(e); }
      };
      request.onerror = request.ontimeout = function () { reject(new Error("no connection")); };
      request.send(body);
    });
  }

  // The reporter's private link, on which the page thanks them and says what happens next (reports/views.py).
  function filedUrl(filed) { return filed.private_url + "?terkirim=1"; }

  // A complaint that is not public has no public link (url is null): only its private one is kept.
  function keepFiled(filed) {
    return myReports.keep({ code: filed.code, url: filed.url || null, private_url: filed.private_url,
                            status: filed.status, status_label: filed.status_label });
  }

  /* A report that waited on the phone from an earlier visit was sent: say so at the top, with its link. */
  function showSentLater(filed) {
    var box = document.getElementById("sent-later"), line = document.createElement("p");
    var code = document.createElement("strong"), link = document.createElement("a");
    code.textContent = filed.code;
    link.href = filedUrl(filed); link.textContent = TEXT.open_sent;
    line.append(TEXT.sent_later + " ", code, ". ", link);
    box.appendChild(line); box.hidden = false; box.focus();
  }

  function showState(text) { sendState.hidden = false; sendState.textContent = text; }

  /* The server asks for a pin only once it knows the category; a problem at a place always needs one, so its
     missing pin is said with the other errors at once. */
  function withPinError(errors) {
    if (reportKind() === "place" && !form.lat.value && !errors.lat) errors.lat = [TEXT.pin_needed];
    return errors;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    performance.mark("lapor:send");
    document.getElementById("send").disabled = true;
    showState(TEXT.sending);
    var entry;
    shrinking.then(function () {  // a photo tapped "Kirim" on while it was still being shrunk goes too
      entry = { client_uuid: form.client_uuid.value, fields: formFields(), csrf: csrfToken(),
                photos: photos.map(function (photo) { return photo.blob; }) };
      return post(entry, function (loaded, total) { showProgress(entry, loaded, total); });
    }).then(function (answer) {
      if (answer.status === 200 || answer.status === 201) {
        var go = function () { window.location.href = filedUrl(answer.body); };
        keepFiled(answer.body).then(go, go);
        return;
      }
      document.getElementById("send").disabled = false;
      if (answer.status === 400) { sendState.hidden = true; showErrors(withPinError(answer.body)); return; }
      showState(answer.body.error || TEXT.error);  // e.g. too many reports in an hour
    }).catch(function () {
      // No connection, or no server: keep everything on the phone and send it when they return.
      outbox.put(entry).then(function () {
        showState(TEXT.queued);
        sendState.className = "send-state waiting";
        // Where the browser has Background Sync, the service worker sends it even if this page is closed.
        if ("serviceWorker" in navigator) {
          navigator.serviceWorker.ready.then(function (worker) { if (worker.sync) return worker.sync.register("outbox"); })
            .catch(function () {});
        }
      });
    });
  });

  /* A waiting report's answer, from this page's sending or the service worker's; a report filed is kept in
     "Laporan saya" with its links. */
  var handled = {};  // the page and the service worker may both deliver a report when the connection returns
  function delivered(clientUuid, status, body) {
    if (status !== 200 && status !== 201 && status !== 400) return;  // e.g. too many reports: it waits
    if (handled[clientUuid]) return;
    handled[clientUuid] = true;
    var kept = status === 400 ? null : keepFiled(body).then(function () {
      document.dispatchEvent(new Event("lapor:kept"));  // "Laporan saya" shows it
    });
    Promise.all([outbox.remove(clientUuid), sentReports.remove(clientUuid), kept]).then(function () {
      if (status !== 400) {
        if (clientUuid === form.client_uuid.value) window.location.href = filedUrl(body);
        else showSentLater(body);
      } else if (clientUuid === form.client_uuid.value) {
        // Refused as it was: the form on this page still holds it, so show why; an older one is gone.
        sendState.hidden = true;
        document.getElementById("send").disabled = false;
        showErrors(withPinError(body));
      } else {
        showState(TEXT.queued_refused);
      }
    });
  }

  function flushOutbox() {
    outbox.all().then(function (entries) {
      entries.forEach(function (entry) {
        post(entry).then(function (answer) { delivered(entry.client_uuid, answer.status, answer.body); })
          .catch(function () { /* still offline: try again at the next "online" */ });
      });
    });
  }

  function showSentByWorker() {
    sentReports.all().then(function (answers) {
      answers.forEach(function (sent) { delivered(sent.client_uuid, sent.status, sent.answer); });
    });
  }

  window.addEventListener("online", flushOutbox);
  // The "online" event is not reliable on every phone: while something waits, try again now and then.
  setInterval(function () { if (navigator.onLine) flushOutbox(); }, 10000);

  /* The map: kelurahan outlines, the public reports from the vector tiles at every zoom (clusters with their
     counts, single reports coloured by status: static/js/report-tiles.js), taps and GPS. */
  function categoryNames() {
    var names = {};
    Array.prototype.forEach.call(form.category.options, function (o) { names[o.value] = o.textContent; });
    return names;
  }

  /* A report's popup, from what its tile carries: its code (a link to its page), category, status, and a support
     button. */
  function reportPopup(p, link) {
    var box = document.createElement("div"), what = document.createElement("p");
    var button = document.createElement("button");
    box.className = "report-popup";
    what.textContent = (categoryNames()[p.category] || p.category) + " · " + (TEXT.statuses[p.status] || p.status) +
                       (p.overdue ? " · " + TEXT.overdue : "");
    button.type = "button"; button.className = "support-button";
    support.wire(button, p.code, link.href, p.support_count, TEXT, csrfToken());
    box.append(link, what, button);
    return box;
  }

  /* A tap on a report puts the pin on it too: who taps beside a problem's marker is most likely reporting it, and
     the duplicate check then offers that report to support. A tile's point is rounded to its grid (a metre at zoom
     13): the exact point comes from the report's own JSON, unless the pin has moved or another report was tapped
     meanwhile. */
  var reportTaps = 0;
  function pinOnReport(event) {
    var placed = pinsPlaced, tap = ++reportTaps, near = event.latlng;
    function latest() { return placed === pinsPlaced && tap === reportTaps; }
    getJson("/api/v1/reports/" + event.properties.code).then(function (answer) {
      if (!latest()) return;
      var at = answer.status === 200 ? answer.body.geometry.coordinates : [near.lng, near.lat];
      setPin(at[1], at[0]);
    }).catch(function () { if (latest()) setPin(near.lat, near.lng); });
  }

  function showReports() {
    import("report-tiles").then(function (tiles) {
      tiles.reportTiles({ describe: reportPopup }).on("report", pinOnReport).addTo(map);
    }).catch(function () {});  // a browser without import maps: the list below the map still lists the reports
  }

  /* The reports in view as a list of links, for a screen reader or a keyboard (the markers are drawings): asked
     only while the list is open, the newest MAP_LIST_MAX of the box (one more says there are others). */
  var MAP_LIST_MAX = 50;
  var mapList = document.getElementById("map-list"), listsAsked = 0;
  function listReports(features) {
    var list = mapList.querySelector("ul"), names = categoryNames();
    list.textContent = "";
    features.slice(0, MAP_LIST_MAX).forEach(function (f) {
      var p = f.properties, item = document.createElement("li"), link = document.createElement("a");
      link.href = "/laporan/" + p.code + "/";
      link.textContent = p.code + " · " + (names[p.category] || p.category) + " · " + (TEXT.statuses[p.status] || p.status);
      item.appendChild(link); list.appendChild(item);
    });
    if (!features.length) { var none = document.createElement("li"); none.textContent = TEXT.no_reports_here; list.appendChild(none); }
    document.getElementById("map-list-more").hidden = features.length <= MAP_LIST_MAX;
  }

  function loadList() {
    if (!mapList.open || !map) return;
    var b = map.getBounds(), asked = ++listsAsked;
    getJson("/api/v1/reports?limit=" + (MAP_LIST_MAX + 1) + "&bbox=" +
            [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(","))
      .then(function (answer) { if (asked === listsAsked && answer.status === 200) listReports(answer.body.features); })
      .catch(function () {});
  }
  mapList.addEventListener("toggle", loadList);

  /* Keyboard: with the map focused from the keyboard a cross marks its centre; the arrow keys move the map
     (Leaflet's own keys), Enter puts the pin under the cross. What is under it is said in a live region. */
  var mapSays = document.getElementById("map-says"), crosshair, keyboardMode = false, centreAsked = 0;
  function say(text) { mapSays.textContent = text; }

  function sayCentre() {
    var asked = ++centreAsked, c = map.getCenter();
    getJson("/api/v1/locate?lat=" + c.lat + "&lon=" + c.lng).then(function (answer) {
      if (asked !== centreAsked || !keyboardMode) return;
      say(answer.status === 200 ? TEXT.cross_at.replace("%(place)s", "Kelurahan " + answer.body.kelurahan.name)
                                : answer.body.error || TEXT.error);
    }).catch(function () { say(TEXT.cross_moved); });
  }

  function startKeyboardMode(container) {
    crosshair = crosshair || L.DomUtil.create("div", "crosshair", container);
    container.addEventListener("focus", function () {
      if (!container.matches(":focus-visible")) return;  // a tap or a click: no cross
      keyboardMode = true; crosshair.hidden = false; mapSays.className = "map-says";
      say(TEXT.keyboard_help);
    });
    container.addEventListener("blur", function () {
      keyboardMode = false; crosshair.hidden = true; mapSays.className = "visually-hidden";
    });
    container.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.target !== container) return;  // Enter on a marker opens it
      event.preventDefault();
      var c = map.getCenter();
      keyboardMode = true; crosshair.hidden = false;
      setPin(c.lat, c.lng);
    });
    crosshair.hidden = true;
    map.on("moveend", function () { if (keyboardMode) sayCentre(); });
  }

  // Asked for now, not when the map is drawn (on the window's load): on 3G that is a second sooner.
  var outlines = getJson("/api/v1/kelurahan.geojson");

  window.reportMap = function (leafletMap) {
    map = leafletMap;
    map.getContainer().setAttribute("aria-describedby", "place id_lat_error");
    map.doubleClickZoom.disable();  // a second tap to correct the pin must not zoom
    startKeyboardMode(map.getContainer());
    outlines.then(function (answer) {
      L.geoJSON(answer.body, {
        style: { color: "#0b5e3c", weight: 1.5, fill: false },
        interactive: false,
      }).addTo(map);
      performance.mark("lapor:outlines-drawn");  // bench/journeys_bench.py measures the first load to here
    }).catch(function () {});
    map.on("click", function (e) {
      performance.mark("lapor:tap", { startTime: e.originalEvent.timeStamp });
      setPin(e.latlng.lat, e.latlng.lng);
    });
    showReports();
    map.on("moveend", loadList);
    loadList();
    if (form.lat.value && form.lon.value) setPin(parseFloat(form.lat.value), parseFloat(form.lon.value));
  };

  document.getElementById("locate-me").addEventListener("click", function () {
    if (!navigator.geolocation) { placeText.textContent = TEXT.gps_failed; return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      map.setView([position.coords.latitude, position.coords.longitude], 17);
      setPin(position.coords.latitude, position.coords.longitude);
    }, function () { placeText.textContent = TEXT.gps_failed; }, { enableHighAccuracy: true, timeout: 15000 });
  });

  document.getElementById("search").addEventListener("submit", function (event) {
    event.preventDefault();
    var results = document.getElementById("search-results");
    getJson("/api/v1/geocode?q=" + encodeURIComponent(document.getElementById("search-text").value))
      .then(function (answer) {
        results.innerHTML = "";
        var places = answer.status === 200 ? answer.body : [];
        if (!places.length) {
          /* Too many searches (429) or a word too long (400): the server's own words. */
          var none = document.createElement("li"), said = answer.body && (answer.body.error || (answer.body.q || [])[0]);
          none.textContent = answer.status === 200 || !said ? TEXT.no_results : said;
          results.appendChild(none);
        }
        places.forEach(function (place) {
          var item = document.createElement("li"), button = document.createElement("button");
          button.type = "button"; button.textContent = place.name;
          button.addEventListener("click", function () { map.setView([place.lat, place.lon], 17); results.hidden = true; });
          item.appendChild(button); results.appendChild(item);
        });
        results.hidden = false;
      });
  });

  /* The chosen category's own questions (fields attribute[code]), from the definitions in the page. */
  var QUESTIONS = JSON.parse(document.getElementById("questions-data").textContent);

  function questionInput(q, name) {
    var input;
    if (q.datatype === "singlevaluelist") {
      input = document.createElement("select");
      [{ key: "", name: "—" }].concat(q.choices).forEach(function (c) { input.add(new Option(c.name, c.key)); });
    } else if (q.datatype === "text") {
      input = document.createElement("textarea"); input.rows = 3; input.maxLength = 2000;
    } else {
      input = document.createElement("input");
      input.type = q.datatype === "number" ? "number" : "text";
      if (q.datatype === "number") input.step = "any"; else input.maxLength = 200;
    }
    input.name = name; input.id = "id_" + name; input.required = q.required;
    return input;
  }

  function showQuestions() {
    var box = document.getElementById("questions");
    box.textContent = "";
    (QUESTIONS[form.category.value] || []).forEach(function (q) {
      var name = "attribute[" + q.code + "]", label = document.createElement("label");
      label.textContent = q.label;
      if (q.datatype === "multivaluelist") {
        var group = document.createElement("div");
        q.choices.forEach(function (c) {
          var option = document.createElement("label"), tick = document.createElement("input");
          option.className = "check"; tick.type = "checkbox"; tick.name = name; tick.value = c.key;
          option.appendChild(tick); option.appendChild(document.createTextNode(" " + c.name));
          group.appendChild(option);
        });
        box.appendChild(label); box.appendChild(group);
      } else {
        var input = questionInput(q, name);
        label.htmlFor = input.id;
        box.appendChild(label); box.appendChild(input);
      }
      var errors = document.createElement("div");
      errors.className = "field-errors"; errors.dataset.for = name; errors.id = "id_" + name + "_error";
      box.appendChild(errors);
    });
  }

  form.category.addEventListener("change", showQuestions);
  form.category.addEventListener("change", checkAssets);

  /* The first question: a problem at a place (the map, the categories routed to a crew) or a complaint about a
     service (its categories, grouped by office; "Di mana?" as the category asks: nothing, an office or a pin,
     the map shown only for a pin). Fields not asked are disabled, so neither the API nor the outbox gets them. */
  var start = document.getElementById("start"), whereChoice = document.getElementById("where-choice");

  function reportKind() { return start.querySelector("input:checked").value; }
  function chosenCategory() { return form.category.options[form.category.selectedIndex]; }
  function byKind(element, service) { element.textContent = element.dataset[service ? "service" : "place"]; }
  function show(id, shown) { document.getElementById(id).hidden = !shown; }

  function showPlace() {
    var service = reportKind() === "service", option = chosenCategory();
    var mode = !service ? "required" : option && option.value ? option.dataset.location : "none";
    var where = mode === "optional" ? form.querySelector("[name=where]:checked").value
                                    : mode === "required" ? "map" : "none";
    show("where", service && mode === "optional");
    whereChoice.hidden = false;
    show("office-choice", where === "office");
    form.place_office.disabled = where !== "office";
    form.lat.disabled = form.lon.disabled = where !== "map";
    ["map-area", "map-list", "pin-place", "map-hint"].forEach(function (id) { show(id, where === "map"); });
    if (where !== "map") show("duplicates", false);
    show("publish-choice", Boolean(option && option.value && option.dataset.public === "0"));
    show("document-field", service);
    form.document.disabled = !service;
    if (where === "map" && map) map.invalidateSize();
  }

  function showKind() {
    var kind = reportKind(), service = kind === "service", option = chosenCategory();
    Array.prototype.forEach.call(form.category.querySelectorAll("optgroup"), function (group) {
      group.hidden = group.disabled = group.dataset.kind !== kind;
    });
    if (option && option.value && option.parentNode.dataset.kind !== kind) {
      form.category.value = "";
      showQuestions(); checkAssets();
    }
    ["form-title", "category-label", "id_description_helptext", "photo-hint"].forEach(function (id) {
      byKind(document.getElementById(id), service);
    });
    showPlace();
  }

  start.hidden = false;
  var filled = chosenCategory();  // the page came back with errors: it starts where the resident was
  if (filled && filled.value) start.querySelector("[value=" + filled.parentNode.dataset.kind + "]").checked = true;
  start.addEventListener("change", showKind);
  form.category.addEventListener("change", showPlace);
  form.addEventListener("change", function (event) {
    if (event.target.name !== "where") return;
    showPlace();
    if (event.target.value === "map") document.getElementById("map-area").scrollIntoView({ block: "start" });
  });
  showKind();
  if (!form.client_uuid.value) form.client_uuid.value = newUuid();
  deviceId().then(function (id) { form.device_id.value = id; });
  // Reloaded (perhaps without signal) while reports wait on this phone: say so; "Laporan saya" lists them.
  outbox.all().then(function (entries) {
    if (entries.length) { showState(TEXT.queued); sendState.className = "send-state waiting"; }
  });
  // The page came back from the server with errors (no JavaScript was used to send): start at the first.
  var firstError = form.querySelector(".field-errors p");
  if (firstError) { var target = focusTarget(firstError.parentNode.dataset.for); if (target) target.focus(); }
  if (navigator.onLine) flushOutbox();
  showSentByWorker();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) { if (event.data === "sent") showSentByWorker(); });
  }
})();
