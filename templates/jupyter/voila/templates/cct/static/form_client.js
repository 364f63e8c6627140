// The participants' page client (templates/jupyter/voila/templates/cct/form.html.j2).
//
// Voila has run the notebook in a kernel (a preheated one when `cct serve` keeps a pool) and
// put the cell outputs in the page. This shows them and connects their widgets to that kernel
// over the Jupyter widget protocol (v2): one "jupyter.widget.control" request for every
// widget's state, then "update" and "custom" messages both ways. Widgets must be anywidgets,
// whose model API (get, set, save_changes, on, off, send) is small enough to provide here.
// If the connection drops (a phone going to sleep), it reconnects, re-reads the state and sends
// what was waiting; if the kernel is gone (the server restarted), it reloads the page, and the
// form restores its draft from the browser, so nothing typed is lost.
(function () {
  "use strict";

  const PROTOCOL = "2.1.0"; // widget messages
  const CONTROL_PROTOCOL = "1.0.0"; // the "jupyter.widget.control" comm
  const page = document.getElementById("cct-page");
  const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
  const baseUrl = config.baseUrl || "/";
  const kernelId = config.kernelId;

  function uuid() {
    // crypto.randomUUID needs https; a laptop serving a room over plain http has only this
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function joined(value) {
    return Array.isArray(value) ? value.join("") : String(value || "");
  }

  // -- the outputs -----------------------------------------------------------------------------
  const views = []; // {modelId, el}
  for (const script of document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]')) {
    const output = JSON.parse(script.textContent);
    const data = output.data || {};
    const el = document.createElement("div");
    if (output.output_type === "error") {
      el.setAttribute("role", "alert");
      el.textContent = (output.traceback || []).join("\n").replace(/\u001b\[[0-9;]*m/g, "") || output.evalue;
    } else if (data["application/vnd.jupyter.widget-view+json"]) {
      views.push({ modelId: data["application/vnd.jupyter.widget-view+json"].model_id, el });
    } else if (data["text/html"]) {
      el.innerHTML = joined(data["text/html"]); // the notebook's own output, as Voila shows it
    } else if (data["text/plain"] || (output.output_type === "stream" && output.name === "stdout")) {
      const pre = document.createElement("pre");
      pre.textContent = joined(data["text/plain"] || output.text);
      el.append(pre);
    } else {
      continue;
    }
    script.replaceWith(el);
  }

  // Voila refuses the shutdown request without Jupyter's cross-site-request (XSRF) cookie,
  // which its notebook page never sets (so stock Voila keeps every visitor's kernel until it
  // stops); its tree page does set it, so the page asks for that once, in the background.
  const xsrfCookie = () => (document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/) || [])[1];
  function fetchXsrfCookie() {
    if (xsrfCookie()) return Promise.resolve();
    return fetch(`${baseUrl}voila/tree`, { credentials: "same-origin", cache: "no-store" }).catch(() => {});
  }

  function shutdownKernel() {
    const xsrf = xsrfCookie();
    fetch(`${baseUrl}voila/api/shutdown/${kernelId}`, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: xsrf ? { "X-XSRFToken": decodeURIComponent(xsrf) } : {},
    }).catch(() => {});
  }

  if (!views.length) {
    // nothing on the page needs the kernel
    fetchXsrfCookie().then(shutdownKernel);
    return;
  }
  window.addEventListener("pagehide", (event) => {
    if (!event.persisted) shutdownKernel(); // as Voila's own page does when it closes
  });
  // A phone rarely fires pagehide: the participant locks it or switches app. Once the
  // reflection is sent, the kernel has nothing left to do, so hiding the page frees it (coming
  // back reloads the page on a new kernel, which shows it as sent). Before sending, the kernel
  // stays; the server culls it if the connection stays gone.
  let released = false;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      if (!released && [...models.values()].some((model) => model.get("sent") === true)) {
        released = true;
        leaving = true;
        shutdownKernel();
      }
    } else if (released) {
      location.reload(); // back on the page: a new kernel, the form says it was sent
    }
  });

  // -- the connection --------------------------------------------------------------------------
  const session = uuid();
  const controlComm = uuid();
  const models = new Map(); // comm id -> model
  const waiting = []; // messages typed while the connection was down
  let socket = null;
  let failures = 0;
  let leaving = false;
  window.addEventListener("beforeunload", () => { leaving = true; });

  function message(msgType, content, metadata) {
    return JSON.stringify({
      header: { msg_id: uuid(), username: "", session, msg_type: msgType, version: "5.3", date: new Date().toISOString() },
      parent_header: {},
      metadata: metadata || {},
      content,
      channel: "shell",
      buffers: [],
    });
  }

  function post(msgType, content, metadata) {
    const text = message(msgType, content, metadata);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
    else waiting.push(text);
  }

  function commMessage(commId, data) {
    post("comm_msg", { comm_id: commId, data }, { version: PROTOCOL });
  }

  function decode(frame) {
    if (typeof frame === "string") return JSON.parse(frame);
    // a message with binary buffers: count, offsets, then the JSON and the buffers
    const view = new DataView(frame);
    const count = view.getUint32(0);
    const offsets = Array.from({ length: count }, (_, i) => view.getUint32(4 * (i + 1)));
    const msg = JSON.parse(new TextDecoder().decode(frame.slice(offsets[0], offsets[1])));
    msg.buffers = offsets.slice(1).map((start, i) => new DataView(frame.slice(start, offsets[i + 2])));
    return msg;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}${baseUrl}api/kernels/${kernelId}/channels?session_id=${session}`);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      const again = failures > 0 || models.size > 0;
      failures = 0;
      if (!models.size) {
        socket.send(message("comm_open", { comm_id: controlComm, target_name: "jupyter.widget.control", data: {} }, { version: CONTROL_PROTOCOL }));
        socket.send(message("comm_msg", { comm_id: controlComm, data: { method: "request_states" } }, { version: CONTROL_PROTOCOL }));
      }
      // first what was typed while away, in order; then, after a reconnection, what this page
      // holds (a change sent just before the drop may never have arrived), then the kernel's
      // state, for what it did meanwhile (a reflection stored before the drop shows as sent)
      while (waiting.length && socket.readyState === WebSocket.OPEN) socket.send(waiting.shift());
      if (again) {
        for (const [commId, model] of models) {
          const mine = model._ownState();
          if (Object.keys(mine).length) commMessage(commId, { method: "update", state: mine, buffer_paths: [] });
          commMessage(commId, { method: "request_state" });
        }
        window.dispatchEvent(new CustomEvent("cct-connection-back"));
      }
    };
    socket.onmessage = (event) => receive(decode(event.data));
    socket.onclose = () => {
      if (leaving) return;
      failures += 1;
      window.dispatchEvent(new CustomEvent("cct-connection-lost"));
      // if the server answers that the kernel is gone (it restarted, or the kernel was shut
      // down), a reload starts a new one and the form restores its draft; if the server does
      // not answer, keep trying: reloading then would lose the page
      fetch(`${baseUrl}api/kernels/${kernelId}`, { cache: "no-store", credentials: "same-origin" })
        .then((response) => { if (response.status === 404) location.reload(); else retry(); })
        .catch(retry);
    };
  }

  function retry() {
    setTimeout(connect, Math.min(10000, 500 * 2 ** Math.min(failures, 5)));
  }

  function receive(msg) {
    if (msg.channel !== "iopub" || msg.msg_type !== "comm_msg") return;
    const { comm_id: commId, data } = msg.content;
    if (commId === controlComm && data.method === "update_states") {
      show(data.states).catch((error) => console.error(error));
      return;
    }
    const model = models.get(commId);
    if (!model) return;
    if (data.method === "update") model._update(data.state || {});
    else if (data.method === "custom") model._emit("msg:custom", data.content, msg.buffers || []);
    // "echo_update" repeats what this page set; applying it could undo newer typing
  }

  // -- the widgets -----------------------------------------------------------------------------
  function makeModel(commId, state) {
    const listeners = new Map();
    const own = new Set(); // what this page has set: its answers
    let pending = {};
    const model = {
      get: (name) => state[name],
      set(name, value) {
        state[name] = value;
        pending[name] = value;
        own.add(name);
        model._emit(`change:${name}`, model, value);
        model._emit("change", model);
      },
      save_changes() {
        if (!Object.keys(pending).length) return;
        commMessage(commId, { method: "update", state: pending, buffer_paths: [] });
        pending = {};
      },
      send(content) {
        commMessage(commId, { method: "custom", content });
      },
      on(name, callback) {
        for (const one of name.split(/\s+/)) {
          if (!listeners.has(one)) listeners.set(one, new Set());
          listeners.get(one).add(callback);
        }
      },
      off(name, callback) {
        if (!name) { listeners.clear(); return; }
        for (const one of name.split(/\s+/)) {
          if (callback) (listeners.get(one) || new Set()).delete(callback);
          else listeners.delete(one);
        }
      },
      _emit(name, ...args) {
        for (const callback of [...(listeners.get(name) || [])]) {
          try { callback(...args); } catch (error) { console.error(error); }
        }
      },
      _ownState: () => Object.fromEntries([...own].map((name) => [name, state[name]])),
      _update(changes) {
        const names = Object.keys(changes).filter((name) => JSON.stringify(state[name]) !== JSON.stringify(changes[name]));
        Object.assign(state, changes);
        for (const name of names) model._emit(`change:${name}`, model, state[name]);
        if (names.length) model._emit("change", model);
      },
    };
    return model;
  }

  async function load(esm) {
    const trimmed = esm.trim();
    if (/^(https?:\/\/|\.{0,2}\/)\S*$/.test(trimmed)) return import(trimmed); // a URL, not source
    const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
    try { return await import(url); } finally { URL.revokeObjectURL(url); }
  }

  async function show(states) {
    for (const { modelId, el } of views) {
      const entry = states[modelId];
      if (!entry || entry.model_module !== "anywidget") {
        el.setAttribute("role", "alert");
        el.textContent = "This part of the page cannot be shown here.";
        continue;
      }
      const { state } = entry;
      const model = makeModel(modelId, state);
      models.set(modelId, model);
      if (state._css) {
        const style = document.createElement("style");
        style.textContent = state._css;
        document.head.append(style);
      }
      const module = await load(state._esm);
      let widget = module.default || module;
      if (typeof widget === "function") widget = await widget();
      if (widget.initialize) await widget.initialize({ model });
      await widget.render({ model, el });
    }
    page.dataset.ready = "true";
    fetchXsrfCookie();
  }

  connect();
})();
