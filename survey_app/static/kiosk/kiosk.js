/* hailong kiosk: answers survive a dropped connection (see survey_app/public/kiosk_offline.py).
 *
 * Every answer given on the kiosk is first written to localStorage with a client UUID of
 * its own, then sent as the ordinary kiosk form POST with an anti-forgery token fetched
 * for that UUID just before. An answer leaves the queue only when the server has stored
 * it (a redirect, or "already sent"); a resend after a lost reply stores nothing twice,
 * since the server keeps one response per UUID. The page is the only one allowed to run
 * a script (its CSP); the citizen QR form /s/ runs none.
 */
(function () {
  "use strict";
  var app = document.getElementById("kiosk-app");
  var form = document.getElementById("survey");
  if (!app || !form || !window.localStorage) return;
  var config = JSON.parse(app.getAttribute("data-config"));
  var QUEUE = "hailong-kiosk-queue:" + config.token;
  var REFUSED = "hailong-kiosk-refused:" + config.token;
  var CARRY = "hailong-kiosk-carry:" + config.token;
  var SKIP = {csrf_token: 1, client_uuid: 1, switch_lang: 1};
  var RETRY_MS = 20000;
  var status = document.getElementById("kiosk-status");
  var problems = document.getElementById("kiosk-problems");
  var flushing = null;
  var nextTimer = null;

  function load(key) {
    try {
      var list = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function save(key, list) {
    localStorage.setItem(key, JSON.stringify(list));
  }

  function without(key, uuid) {
    // re-read: another tab or this one may have added answers meanwhile
    save(key, load(key).filter(function (entry) { return entry.uuid !== uuid; }));
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function answers() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (!SKIP[name] && typeof value === "string") pairs.push([name, value]);
    });
    return pairs;
  }

  function render() {
    var parts = [];
    var waiting = load(QUEUE).length;
    var refused = load(REFUSED).length;
    if (!navigator.onLine) parts.push(status.getAttribute("data-offline"));
    if (waiting || !navigator.onLine) parts.push(status.getAttribute("data-waiting").replace("{n}", waiting));
    if (refused) parts.push(status.getAttribute("data-refused").replace("{n}", refused));
    var text = parts.join(" ");
    if (status.textContent !== text) status.textContent = text;
    status.hidden = !text;
  }

  /* Send one kept answer: "stored", "refused" (the server will never take it) or "later". */
  async function send(entry) {
    try {
      var issued = await fetch(config.form_token, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: {"Content-Type": "application/json", "Accept": "application/json"},
        body: JSON.stringify({client_uuid: entry.uuid})
      });
      if (issued.status === 400) return "refused";
      if (!issued.ok) return "later";
      var token = (await issued.json()).csrf_token;
      var body = new URLSearchParams();
      entry.answers.forEach(function (pair) { body.append(pair[0], pair[1]); });
      body.set("csrf_token", token);
      body.set("client_uuid", entry.uuid);
      var sent = await fetch(config.pages[entry.lang] || config.pages.vi, {
        method: "POST", credentials: "same-origin", cache: "no-store", redirect: "manual", body: body
      });
      // a redirect to the thank-you page, or 200 "already sent": the server holds it
      if (sent.type === "opaqueredirect" || sent.status === 200 || (sent.status >= 300 && sent.status < 400)) return "stored";
      if (sent.status === 400 || sent.status === 409 || sent.status === 413) return "refused";
      return "later"; // 429 (rate limit), 503 (database down), a proxy's 502…
    } catch (e) {
      return "later"; // no network
    }
  }

  async function flushQueue() {
    // the browser knows it has no network: wait for its "online" event instead of trying
    // (a request tried anyway may still leave through the service worker, half-sent)
    if (!navigator.onLine) return;
    var queue = load(QUEUE);
    for (var i = 0; i < queue.length; i++) {
      var outcome = await send(queue[i]);
      if (outcome === "later") break;
      if (outcome === "refused") {
        var refused = load(REFUSED);
        refused.push(queue[i]);
        save(REFUSED, refused);
      }
      without(QUEUE, queue[i].uuid);
      render();
    }
  }

  function flush() {
    if (!flushing) {
      flushing = flushQueue().finally(function () { flushing = null; render(); });
    }
    return flushing;
  }

  function missing() {
    var names = [];
    config.required.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field) return;
      // a group of radio buttons (its value: the checked one's, or ""), or a lone input
      var answered = field.type === "radio" ? field.checked : String(field.value || "").trim() !== "";
      if (!answered) names.push(name);
    });
    return names;
  }

  function showProblems(names) {
    var list = problems.querySelector("ul");
    list.textContent = "";
    form.querySelectorAll(".kiosk-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".has-error").forEach(function (node) {
      node.classList.remove("has-error");
      node.removeAttribute("aria-describedby");
    });
    names.forEach(function (name) {
      var box = document.getElementById("q-" + name);
      if (!box) return;
      var legend = box.querySelector("legend, label");
      var error = document.createElement("p");
      error.className = "error kiosk-error";
      error.id = name + "-error";
      error.textContent = problems.getAttribute("data-message");
      box.classList.add("has-error");
      box.setAttribute("aria-describedby", error.id);
      if (legend) legend.insertAdjacentElement("afterend", error); else box.prepend(error);
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#q-" + name;
      link.textContent = legend ? legend.textContent : name;
      item.appendChild(link);
      list.appendChild(item);
    });
    problems.hidden = !names.length;
    if (names.length) problems.focus();
  }

  function buttons() {
    // the language button (in the header) stays: on the thank-you screen it opens a fresh
    // form in the other language, since the form was cleared
    return form.querySelectorAll("button");
  }

  function clearForm() {
    form.reset();
    form.querySelectorAll("input:checked").forEach(function (input) { input.checked = false; });
    form.querySelectorAll("textarea").forEach(function (area) { area.value = ""; });
    var details = form.querySelector("details");
    if (details) details.open = false;
  }

  function nextPerson() {
    clearTimeout(nextTimer);
    if (navigator.onLine || (navigator.serviceWorker && navigator.serviceWorker.controller)) {
      location.replace(config.pages.vi); // a fresh form, from the network or kept offline
      return;
    }
    // offline with no service worker (e.g. plain HTTP): this form, cleared, in place
    clearForm();
    buttons().forEach(function (b) { b.disabled = false; });
    document.getElementById("kiosk-thanks").hidden = true;
    document.getElementById("survey-page").hidden = false;
    window.scrollTo(0, 0);
  }

  async function thank(entry) {
    // the answer is safe on the tablet already; wait a moment for it to reach the server
    await Promise.race([flush(), new Promise(function (done) { setTimeout(done, 4000); })]);
    var kept = load(QUEUE).some(function (e) { return e.uuid === entry.uuid; });
    var thanks = document.getElementById("kiosk-thanks");
    thanks.querySelector('[data-when="sent"]').hidden = kept;
    thanks.querySelector('[data-when="kept"]').hidden = !kept;
    document.getElementById("survey-page").hidden = true;
    thanks.hidden = false;
    thanks.focus();
    window.scrollTo(0, 0);
    nextTimer = setTimeout(nextPerson, 6000);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = event.submitter;
    if (button && button.name === "switch_lang") {
      // the other language's page (from the network, or kept for offline use), answers carried
      sessionStorage.setItem(CARRY, JSON.stringify(answers()));
      location.assign(config.pages[button.value] || config.pages.vi);
      return;
    }
    var gaps = missing();
    showProblems(gaps);
    if (gaps.length) return;
    var entry = {uuid: newUuid(), lang: config.lang, answers: answers(), answered_at: new Date().toISOString()};
    try {
      var queue = load(QUEUE);
      queue.push(entry);
      save(QUEUE, queue);
    } catch (e) {
      form.submit(); // storage full or refused: the plain form POST, as without JavaScript
      return;
    }
    // kept: nothing of this citizen's stays on the screen for the next one
    clearForm();
    buttons().forEach(function (b) { b.disabled = true; });
    render();
    thank(entry);
  });

  document.getElementById("kiosk-next").addEventListener("click", function (event) {
    event.preventDefault();
    nextPerson();
  });

  function restoreCarried() {
    var carried = sessionStorage.getItem(CARRY);
    if (!carried) return;
    sessionStorage.removeItem(CARRY);
    JSON.parse(carried).forEach(function (pair) {
      var field = form.elements.namedItem(pair[0]);
      if (!field) return;
      if (field.tagName === "TEXTAREA") field.value = pair[1];
      else if (field.length) {
        Array.prototype.forEach.call(field, function (input) {
          if (input.value === pair[1]) input.checked = true;
        });
      }
    });
    var details = form.querySelector("details");
    if (details && form.querySelector("details input:checked")) details.open = true;
  }

  function keepForOffline() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(config.worker, {scope: config.scope}).catch(function () {});
    navigator.serviceWorker.ready.then(function (registration) {
      if (navigator.onLine && registration.active) {
        registration.active.postMessage({keep: [config.pages.vi, config.pages.en].concat(config.keep)});
      }
    });
  }

  // The next citizen must not find the last one's half-filled form: back to a fresh
  // Vietnamese form after reset_seconds without a touch (no JavaScript: a meta refresh).
  var idleTimer = null;
  function stillHere() {
    clearTimeout(idleTimer);
    if (config.reset_seconds) idleTimer = setTimeout(nextPerson, config.reset_seconds * 1000);
  }
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, stillHere, {passive: true});
  });
  stillHere();

  window.addEventListener("online", function () { render(); flush(); });
  window.addEventListener("offline", render);
  window.addEventListener("storage", function (event) {
    if (event.key === QUEUE || event.key === REFUSED) render();
  });
  setInterval(function () { if (load(QUEUE).length) flush(); }, RETRY_MS);
  restoreCarried();
  render();
  keepForOffline();
  flush();
}());
