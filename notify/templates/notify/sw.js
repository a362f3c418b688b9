/* The service worker of browser notifications (notify/): shows what the server pushes, opens its page on a tap. */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = { title: "Lapor Padangpanjang", body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Lapor Padangpanjang", {
    body: data.body || "", data: { url: data.url || "/" }, icon: "/favicon.ico"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
