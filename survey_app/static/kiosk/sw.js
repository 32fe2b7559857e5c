/* hailong kiosk service worker (served at /k/sw.js, scope /k/; see
 * survey_app/public/kiosk_offline.py).
 *
 * Kiosk pages come from the network first; the last fresh form of each language
 * (a GET marked X-Hailong-Kiosk-Form, never a page holding answers) is kept and shown
 * when the network is gone, as are the kiosk script, manifest and icons. Answers are not
 * the worker's business: the page keeps them (kiosk.js) and sends them itself.
 */
"use strict";
var CACHE = "hailong-kiosk-v1";
// (not anchored at the start: the app may be mounted under a path prefix)
var PAGE = /\/k\/[A-Za-z0-9_-]{1,40}$/;
var KEPT = /(\/static\/kiosk\/[^/]+|\/k\/[A-Za-z0-9_-]{1,40}\/manifest\.webmanifest)$/;

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("hailong-kiosk-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

/* One cache entry per kiosk and language: the form's own id (?f=) is left out. */
function pageKey(url) {
  var u = new URL(url);
  if (u.origin !== self.location.origin || !PAGE.test(u.pathname)) return null;
  return u.origin + u.pathname + "?lang=" + (u.searchParams.get("lang") === "en" ? "en" : "vi");
}

function keyFor(url) {
  var u = new URL(url);
  if (u.origin !== self.location.origin) return null;
  if (PAGE.test(u.pathname)) return pageKey(url);
  return KEPT.test(u.pathname) ? u.href : null;
}

function worthKeeping(url, response) {
  if (!response || !response.ok || response.type !== "basic") return false;
  return PAGE.test(new URL(url).pathname) ? response.headers.get("X-Hailong-Kiosk-Form") === "1" : true;
}

async function keep(key, response) {
  // a followed redirect cannot answer a navigation later: store a plain copy
  var copy = new Response(await response.clone().blob(), {
    status: response.status, statusText: response.statusText, headers: response.headers
  });
  var cache = await caches.open(CACHE);
  await cache.put(key, copy);
}

async function kept(key) {
  var cache = await caches.open(CACHE);
  var hit = await cache.match(key, {ignoreVary: true});
  if (!hit && key.slice(-8) === "?lang=en") hit = await cache.match(key.slice(0, -2) + "vi", {ignoreVary: true});
  return hit;
}

async function networkFirst(request, key) {
  try {
    var response = await fetch(request);
    if (worthKeeping(request.url, response)) await keep(key, response);
    return response;
  } catch (error) {
    var hit = await kept(key);
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("fetch", function (event) {
  if (event.request.method !== "GET") return; // answers go straight to the server
  var key = keyFor(event.request.url);
  if (key) event.respondWith(networkFirst(event.request, key));
});

/* The page asks for its kiosk's forms (both languages), script, manifest and icons. */
self.addEventListener("message", function (event) {
  var urls = event.data && Array.isArray(event.data.keep) ? event.data.keep : [];
  event.waitUntil(Promise.all(urls.map(async function (url) {
    var key = keyFor(new URL(url, self.location.origin).href);
    if (!key) return;
    try {
      var response = await fetch(url, {credentials: "same-origin", cache: "no-store"});
      if (worthKeeping(response.url, response)) await keep(key, response);
    } catch (error) { /* offline again: keep what is kept */ }
  })));
});
