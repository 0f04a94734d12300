// Tasker's web page: the task list with live status, the submit form, the processes and the executor agents.
// Plain DOM, no framework. Data from the API only ever reaches the page through textContent and attributes.
"use strict";

(() => {
  const FINAL = new Set(["succeeded", "failed", "cancelled"]);
  // Tasks that change only at their time (scheduled) or when other tasks end (waiting): polled, not streamed.
  const WAITS = new Set(["scheduled", "waiting"]);
  const PAGE_SIZE = 25;
  const MAX_WATCHED = 3;            // live SSE streams at once; HTTP/1.1 allows a browser ~6 connections per host
  const LIST_INTERVAL_BUSY = 1000;  // refresh while something on screen is still going
  const LIST_INTERVAL_IDLE = 4000;
  const PROCESS_INTERVAL = 5000;
  const DELIVERY_INTERVAL = 2000;   // an open task's webhook deliveries, re-read while one may still come
  const FLOW_LINKS_SHOWN = 20;      // parents or children linked in a task's details; the rest are counted

  // Each task type and its parameters come from GET /types, as the type's handler declares them: the page names no type.
  // kind: number (sent as a JSON number, exactly as typed), int, text, textarea, secret, date, file.

  const $ = (id) => document.getElementById(id);
  const state = {
    limit: PAGE_SIZE,
    items: [],                 // the listing's summaries, newest first
    details: new Map(),        // id -> the full TaskView, when fetched
    opened: new Map(),         // id -> the TaskView read when its details were opened (for its parents, children, callback)
    deliveries: new Map(),     // id -> { view: its DeliveriesView, at: when read }, for open tasks with a callback
    deliveryReads: new Set(),  // ids whose deliveries are being read
    rows: new Map(),           // id -> row elements
    expanded: new Set(),
    watchers: new Map(),       // id -> EventSource
    processes: [],
    types: new Map(),          // type -> its TaskTypeView (GET /types)
    listTimer: 0,
    listGeneration: 0,
  };

  // ---------- helpers ----------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) {
        continue;
      }
      if (key === "text") {
        node.textContent = value;
      } else if (key === "className") {
        node.className = value;
      } else if (key.startsWith("on")) {
        node.addEventListener(key.slice(2), value);
      } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.append(child);
      }
    }
    return node;
  }

  async function api(method, url, body) {
    const init = { method, headers: { "Accept": "application/json" } };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = body;
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = { detail: text }; }
    }
    return { ok: response.ok, status: response.status, data };
  }

  // A problem (RFC 9457) as one line, plus each bad field.
  function problemText(result) {
    const p = result.data || {};
    const head = [p.title || `HTTP ${result.status}`, p.detail].filter(Boolean).join(": ");
    const fields = p.errors ? Object.entries(p.errors).map(([k, v]) => `${k}: ${[].concat(v).join("; ")}`) : [];
    return [head, ...fields];
  }

  let toastTimer = 0;
  function toast(lines, kind) {
    const box = $("toast");
    box.replaceChildren(...[].concat(lines).map((line) => el("div", { text: line })));
    box.className = `toast ${kind || "error"}`;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  function relativeTime(iso) {
    if (!iso) {
      return "";
    }
    const seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (seconds < 5) return "just now";
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
    return new Date(iso).toLocaleDateString();
  }

  // When a time still to come is due, for people: "in 5 min", or its date.
  function untilTime(iso) {
    const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    if (seconds < 5) return "now";
    if (seconds < 60) return `in ${seconds} s`;
    if (seconds < 3600) return `in ${Math.floor(seconds / 60)} min`;
    if (seconds < 86400) return `in ${Math.floor(seconds / 3600)} h`;
    return new Date(iso).toLocaleString();
  }

  // A description with `names` in backticks, as text and <code> elements.
  function withCode(text) {
    return (text || "").split("`").map((part, i) => (i % 2 === 1 ? el("code", { text: part }) : document.createTextNode(part)));
  }

  function compact(value, max) {
    if (value === null || value === undefined) {
      return "";
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }

  function bytes(n) {
    if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
    if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
    return `${n} B`;
  }

  // A result in a few words: the summary the type's handler gives (the task's "summary"), else the JSON.
  function resultText(task) {
    const r = task.result;
    if (r === null || r === undefined) {
      return "";
    }
    return task.summary || compact(r, 48);
  }

  function fileLink(task) {
    return task.status === "succeeded" && task.links && task.links.file ? task.links.file : null;
  }

  // ---------- the task list ----------

  function listUrl() {
    const query = new URLSearchParams();
    const client = $("filter-client").value.trim();
    const type = $("filter-type").value;
    const status = $("filter-status").value;
    if (client) query.set("client", client);
    if (type) query.set("type", type);
    if (status) query.set("status", status);
    query.set("limit", String(state.limit));
    return `/tasks?${query}`;
  }

  async function refreshList() {
    clearTimeout(state.listTimer);
    const generation = ++state.listGeneration;
    try {
      const result = await api("GET", listUrl());
      if (generation !== state.listGeneration) {
        return;  // a newer refresh (e.g. a filter change) overtook this one
      }
      if (!result.ok) {
        showListMessage(problemText(result).join(" — "));
        state.items = [];
      } else {
        showListMessage(null);
        state.items = result.data.items || [];
        $("more").hidden = !result.data.next || state.limit >= 500;
        await fetchDetails();
      }
      if (generation === state.listGeneration) {
        renderRows();
        watchRunning();
      }
    } catch (error) {
      showListMessage(`Tasker does not answer (${error.message}); retrying.`);
    } finally {
      if (generation === state.listGeneration) {
        const busy = state.items.some((item) => !FINAL.has(currentStatus(item)));
        state.listTimer = setTimeout(refreshList, busy ? LIST_INTERVAL_BUSY : LIST_INTERVAL_IDLE);
      }
    }
  }

  function showListMessage(text) {
    const box = $("list-message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function currentStatus(item) {
    const detail = state.details.get(item.id);
    return detail && detail.version !== undefined && FINAL.has(detail.status) ? detail.status : item.status;
  }

  // A listing row has status, progress and priority, but no result or error: fetch each task once, when it has
  // ended (or if it ended before this page saw it), never again; tasks still going are kept current by the listing.
  // A scheduled or waiting task is fetched once too, for its time or its parents, which do not change while it waits.
  async function fetchDetails() {
    const wanted = state.items.filter((item) => {
      const known = state.details.get(item.id);
      return FINAL.has(item.status) ? !(known && FINAL.has(known.status)) : WAITS.has(item.status) && !(known && known.status === item.status);
    });
    await Promise.all(wanted.map(async (item) => {
      const result = await api("GET", item.self);
      if (result.ok) {
        state.details.set(item.id, result.data);
      }
    }));
  }

  function renderRows() {
    const body = $("task-rows");
    const seen = new Set();
    let previous = null;
    for (const item of state.items) {
      seen.add(item.id);
      let row = state.rows.get(item.id);
      if (!row) {
        row = createRow(item);
        state.rows.set(item.id, row);
      }
      let detail = state.details.get(item.id);
      if (detail && WAITS.has(detail.status) && detail.status !== item.status) {
        state.details.delete(item.id);  // fetched while it waited; the listing now knows better
        detail = undefined;
      }
      updateRow(row, item, detail);
      const anchor = previous ? previous.extra.nextSibling : body.firstChild;
      if (anchor !== row.main) {
        body.insertBefore(row.main, anchor);
      }
      if (row.main.nextSibling !== row.extra) {
        body.insertBefore(row.extra, row.main.nextSibling);
      }
      previous = row;
    }
    for (const [id, row] of state.rows) {
      if (!seen.has(id)) {
        row.main.remove();
        row.extra.remove();
        state.rows.delete(id);
        state.opened.delete(id);
        state.deliveries.delete(id);
      }
    }
    $("empty").hidden = state.items.length > 0;
  }

  function createRow(item) {
    const row = {};
    row.type = el("span", { className: "type" });
    row.priority = el("span", { className: "priority", hidden: true });
    row.id = el("span", { className: "id mono" });
    row.client = el("span", { className: "client" });
    row.status = el("span", { className: "status" });
    row.cached = el("span", { className: "cached", text: "cached", hidden: true });
    row.fill = el("div", { className: "fill" });
    row.bar = el("div", { className: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 }, row.fill);
    row.progressText = el("span", { className: "progress-text" });
    row.result = el("span", { className: "result mono" });
    row.created = el("span", { className: "created" });
    row.actions = el("div", { className: "actions" });
    row.details = el("pre", { className: "details mono" });
    row.flow = el("div", { className: "flow", hidden: true });
    row.deliveries = el("div", { className: "deliveries", hidden: true });
    row.flowKey = "";
    row.deliveriesKey = "";
    row.main = el("tr", { "data-task-id": item.id, className: "task" },
      el("td", {}, el("div", { className: "what" }, el("div", {}, row.type, row.priority), el("div", { className: "meta" }, row.id, row.created), row.client)),
      el("td", {}, row.status, row.cached),
      el("td", { className: "progress-col" }, row.bar, row.progressText),
      el("td", { className: "result-col" }, row.result),
      el("td", { className: "actions-col" }, row.actions));
    row.extra = el("tr", { className: "task-extra", "data-details-for": item.id, hidden: true }, el("td", { colspan: 5 }, row.flow, row.deliveries, row.details));
    row.actionKey = "";
    return row;
  }

  function updateRow(row, item, task) {
    const status = task && (FINAL.has(task.status) || !FINAL.has(item.status)) ? task.status : item.status;
    row.main.dataset.status = status;
    row.type.textContent = item.type;
    row.id.textContent = item.id.slice(-8);
    row.id.title = item.id;
    row.client.textContent = item.client;
    row.status.textContent = status;
    row.status.className = `status s-${status}`;
    row.cached.hidden = !item.cached;
    const priority = (task && task.priority) || item.priority || "normal";
    row.priority.textContent = priority;
    row.priority.className = `priority pr-${priority}`;
    row.priority.hidden = priority === "normal";
    row.created.textContent = relativeTime(item.createdAt);
    row.created.title = item.createdAt;

    // The fresher of the listing's progress and the task's own (a stream or a fetch).
    const own = task && task.progress;
    const progress = own && (!item.progress || own.done >= item.progress.done) ? own : (item.progress || own);
    let percent = progress ? progress.percent : (status === "succeeded" ? 100 : 0);
    percent = Math.max(0, Math.min(100, Number(percent) || 0));
    row.fill.style.width = `${percent}%`;
    row.bar.hidden = !progress && FINAL.has(status);
    row.bar.setAttribute("aria-valuenow", percent.toFixed(1));
    row.bar.dataset.state = status;
    row.bar.dataset.done = progress ? String(progress.done) : "0";
    const dueAt = task && (task.nextAttemptAt || task.runAt);
    const attempt = task && task.maxAttempts ? ` · attempt ${task.attempt} of ${task.maxAttempts}` : "";
    row.progressText.textContent = status === "scheduled" && dueAt
      ? `due ${untilTime(dueAt)}${attempt}`
      : progress
        ? `${progress.done.toLocaleString()} / ${progress.total.toLocaleString()} · ${percent.toFixed(0)}%${attempt}`
        : status === "waiting" && task && task.after
          ? `after ${task.after.length} task${task.after.length === 1 ? "" : "s"}`
          : (FINAL.has(status) ? "—" : `waiting…${attempt}`);
    row.progressText.title = dueAt && status === "scheduled" ? dueAt
      : task && task.after ? `runs after ${task.after.join(", ")} (${task.afterPolicy})` : "";

    if (task && task.error) {
      row.result.textContent = compact(task.error, 60);
      row.result.title = task.error;
      row.result.className = "result mono error";
    } else {
      row.result.textContent = task ? resultText(task) : "";
      row.result.title = task && task.result !== null && task.result !== undefined ? compact(task.result, 2000) : "";
      row.result.className = "result mono";
    }

    const download = task ? fileLink(task) : null;
    const actionKey = `${status}|${download || ""}|${state.expanded.has(item.id)}`;
    if (actionKey !== row.actionKey) {
      row.actionKey = actionKey;
      row.actions.replaceChildren(...actionsFor(item, status, download));
    }

    if (state.expanded.has(item.id)) {
      row.extra.hidden = false;
      const opened = state.opened.get(item.id);
      const latest = opened && (!task || !(task.version > opened.version)) ? opened : task;
      renderFlow(row, latest);
      renderDeliveries(row, item.id, status, latest);
      row.details.textContent = latest && isCommand(latest) ? commandDetails(latest) : JSON.stringify(latest || item, null, 2);
    } else {
      row.extra.hidden = true;
    }
  }

  function actionsFor(item, status, download) {
    const buttons = [];
    const command = (name, label, kind) => el("button", {
      type: "button", className: `small ${kind || ""}`, text: label, "data-action": name,
      onclick: (e) => control(item, name, e.currentTarget),
    });
    if (status === "running") buttons.push(command("pause", "Pause"));
    if (status === "paused") buttons.push(command("resume", "Resume", "go"));
    if (status === "scheduled") buttons.push(command("run-now", "Run now", "go"));
    if (!FINAL.has(status)) buttons.push(command("cancel", "Cancel", "danger"));
    if (download) {
      buttons.push(el("a", { className: "button small go", href: download, download: "", "data-action": "download", text: "Download file" }));
    }
    buttons.push(el("button", {
      type: "button", className: "small quiet", "data-action": "details", "aria-expanded": state.expanded.has(item.id) ? "true" : "false",
      text: state.expanded.has(item.id) ? "Hide" : "Details",
      onclick: () => {
        if (state.expanded.has(item.id)) state.expanded.delete(item.id); else openDetails(item);
        renderRows();
      },
    }));
    return buttons;
  }

  // Opening a task reads it again: its children may have come since it ended, and a running task may have no view yet.
  // The view is kept apart from the row's status source, which a read of a task still going would make stale.
  async function openDetails(item) {
    state.expanded.add(item.id);
    state.opened.delete(item.id);
    state.deliveries.delete(item.id);
    try {
      const result = await api("GET", item.self || `/tasks/${encodeURIComponent(item.id)}`);
      if (result.ok && state.expanded.has(item.id)) {
        state.opened.set(item.id, result.data);
        renderRows();
      }
    } catch {
      // the list says when Tasker does not answer
    }
  }

  // A link to another task of the flow: its row opens when it is on the page; else the link leads to its JSON view.
  function taskLink(id) {
    return el("a", {
      href: `/tasks/${encodeURIComponent(id)}`, className: "task-link mono", "data-task-link": id, title: id, text: id.slice(-8),
      onclick: (event) => {
        const item = state.items.find((i) => i.id === id);
        const row = state.rows.get(id);
        if (!item || !row || event.ctrlKey || event.metaKey || event.shiftKey) {
          return;
        }
        event.preventDefault();
        if (!state.expanded.has(id)) {
          openDetails(item);
        }
        renderRows();
        row.main.scrollIntoView({ block: "center", behavior: "smooth" });
        row.main.classList.remove("flash");
        void row.main.offsetWidth;  // restarts the highlight when the same row is reached twice
        row.main.classList.add("flash");
      },
    });
  }

  function flowLine(label, ids, note) {
    const shown = ids.slice(0, FLOW_LINKS_SHOWN);
    const more = ids.length - shown.length;
    return el("div", { className: "flow-line", "data-flow": label.toLowerCase() },
      el("span", { className: "flow-label", text: label }),
      ...shown.map(taskLink),
      more > 0 ? el("span", { className: "flow-more", text: `and ${more.toLocaleString()} more` }) : null,
      note ? el("span", { className: "flow-more", text: note }) : null);
  }

  // A task's parents (the tasks it runs after) and children (the tasks that run after it), as links.
  function renderFlow(row, task) {
    const parents = (task && task.after) || [];
    const children = (task && task.children) || [];
    const key = `${parents.join(",")}|${task && task.afterPolicy}|${children.join(",")}`;
    if (key === row.flowKey) {
      return;
    }
    row.flowKey = key;
    row.flow.hidden = parents.length === 0 && children.length === 0;
    row.flow.replaceChildren(...[
      parents.length > 0 ? flowLine("Parents", parents, task.afterPolicy === "all_ended" ? "runs when all have ended" : "runs when all have succeeded") : null,
      children.length > 0 ? flowLine("Children", children, children.length >= 100 ? "(the first 100)" : null) : null,
    ].filter(Boolean));
  }

  // Whether an open task's deliveries may still change: read them again, at most every DELIVERY_INTERVAL.
  function deliveriesDue(id, status, task) {
    if (state.deliveryReads.has(id)) {
      return false;
    }
    const known = state.deliveries.get(id);
    if (!known) {
      return true;
    }
    if (!known.view) {
      return Date.now() - known.at >= DELIVERY_INTERVAL;  // the last read failed: try again, not at once
    }
    const settled = known.view.status !== "pending" && known.view.status !== "none"
      || known.view.status === "none" && FINAL.has(status) && !task.callback.events.includes(status);
    return !settled && Date.now() - known.at >= DELIVERY_INTERVAL;
  }

  async function readDeliveries(id) {
    state.deliveryReads.add(id);
    try {
      const result = await api("GET", `/tasks/${encodeURIComponent(id)}/deliveries`);
      const known = state.deliveries.get(id);
      state.deliveries.set(id, { view: result.ok ? result.data : known && known.view, at: Date.now() });
    } catch {
      const known = state.deliveries.get(id);
      state.deliveries.set(id, { view: known && known.view, at: Date.now() });  // the list says when Tasker does not answer
    } finally {
      state.deliveryReads.delete(id);
    }
    const item = state.items.find((i) => i.id === id);
    const row = state.rows.get(id);
    if (item && row && state.expanded.has(id)) {
      updateRow(row, item, state.details.get(id));
    }
  }

  // The webhook deliveries of a task with a callback (GET /tasks/{id}/deliveries): each attempt's time, status code,
  // duration and error. Nothing for a task without a callback.
  function renderDeliveries(row, id, status, task) {
    if (!task || !task.callback) {
      row.deliveries.hidden = true;
      return;
    }
    if (deliveriesDue(id, status, task)) {
      readDeliveries(id);
    }
    const known = state.deliveries.get(id);
    const view = known && known.view;
    const key = `${status}|${view ? JSON.stringify(view) : ""}`;
    if (key === row.deliveriesKey) {
      return;
    }
    row.deliveriesKey = key;
    row.deliveries.hidden = false;
    const head = el("div", { className: "deliveries-head" },
      el("span", { className: "flow-label", text: "Webhook" }),
      el("span", { className: `delivery-status d-${view ? view.status : "none"}`, text: view ? view.status : "…" }),
      el("span", { className: "mono delivery-url", text: task.callback.url, title: `announces ${task.callback.events.join(", ")}` }),
      view && view.webhookId ? el("span", { className: "mono muted", text: view.webhookId, title: "webhook-id, the same on every try" }) : null);
    const attempts = view ? view.attempts : [];
    let body;
    if (attempts.length === 0) {
      const waiting = view && view.status === "pending" && view.nextAttemptAt ? `first attempt ${untilTime(view.nextAttemptAt)}`
        : FINAL.has(status) ? "no attempt yet" : `sent when the task ends (${task.callback.events.join(", ")})`;
      body = el("p", { className: "hint deliveries-empty", text: waiting });
    } else {
      body = el("table", { className: "attempts" },
        el("thead", {}, el("tr", {}, el("th", { text: "Time" }), el("th", { text: "Status" }), el("th", { text: "Duration" }), el("th", { text: "Error" }))),
        el("tbody", {}, ...attempts.slice().reverse().map((a) => el("tr", { className: "attempt", "data-status-code": a.statusCode ?? "" },
          el("td", { className: "at", text: new Date(a.at).toLocaleString(), title: a.at }),
          el("td", { className: `code ${a.statusCode >= 200 && a.statusCode < 300 ? "ok" : "bad"}`, text: a.statusCode ?? "—" }),
          el("td", { className: "duration", text: `${a.durationMs.toLocaleString()} ms` }),
          el("td", { className: "error", text: a.error || "" })))));
    }
    const tail = view && view.attemptCount > attempts.length
      ? el("p", { className: "hint", text: `the latest ${attempts.length} of ${view.attemptCount.toLocaleString()} attempts` })
      : view && view.status === "pending" && view.nextAttemptAt && attempts.length > 0
        ? el("p", { className: "hint", text: `next attempt ${untilTime(view.nextAttemptAt)}` })
        : null;
    row.deliveries.replaceChildren(...[head, body, tail].filter(Boolean));
  }

  async function control(item, name, button) {
    button.disabled = true;
    try {
      const result = await api("POST", `/tasks/${encodeURIComponent(item.id)}/${name}`);
      if (result.ok) {
        state.details.set(item.id, result.data);
        item.status = result.data.status;
      } else {
        toast(problemText(result));
      }
    } catch (error) {
      toast(`The ${name} request failed: ${error.message}`);
    } finally {
      button.disabled = false;
      refreshList();
    }
  }

  // Live status for the newest tasks still going, by server-sent events; the rest are polled. A scheduled task changes
  // only at its time, and a waiting one when its parents end, so neither takes one of the few streams a browser may hold.
  function watchRunning() {
    const going = state.items.filter((item) => !FINAL.has(currentStatus(item)) && !WAITS.has(currentStatus(item)))
      .slice(0, MAX_WATCHED).map((item) => item.id);
    for (const [id, source] of state.watchers) {
      if (!going.includes(id)) {
        source.close();
        state.watchers.delete(id);
      }
    }
    for (const id of going) {
      if (state.watchers.has(id) || typeof EventSource === "undefined") {
        continue;
      }
      const source = new EventSource(`/tasks/${encodeURIComponent(id)}/events`);
      state.watchers.set(id, source);
      source.addEventListener("status", (event) => {
        let task;
        try { task = JSON.parse(event.data); } catch { return; }
        state.details.set(id, task);
        const item = state.items.find((i) => i.id === id);
        const row = state.rows.get(id);
        if (item && row) {
          if (FINAL.has(task.status) || item.status !== task.status) {
            item.status = task.status;
          }
          updateRow(row, item, task);
        }
        if (FINAL.has(task.status)) {
          source.close();  // the server ends the stream; do not let EventSource reconnect
          state.watchers.delete(id);
        }
      });
      source.onerror = () => {
        source.close();  // polling takes over
        state.watchers.delete(id);
      };
    }
  }

  // ---------- the submit form ----------

  function fieldsFor(type) {
    const known = state.types.get(type);
    if (!known) {
      return [{ name: "params", kind: "json", value: "{}" }];
    }
    // For an int, max bounds the value; for text, its length.
    return known.parameters.map((p) => ({
      name: p.name, kind: p.kind, value: p.example ?? undefined, optional: p.optional, hint: p.hint ?? undefined,
      accept: p.accept ?? undefined, min: p.kind === "int" ? p.min ?? undefined : undefined,
      max: p.kind === "int" ? p.max ?? undefined : undefined,
      maxlength: ["text", "textarea", "secret"].includes(p.kind) ? p.max ?? undefined : undefined,
    }));
  }

  function takesUpload(type) {
    const known = state.types.get(type);
    return Boolean(known && known.upload);
  }

  function renderParamFields() {
    const type = $("submit-type").value;
    const box = $("param-fields");
    box.replaceChildren();
    const process = state.processes.find((p) => p.type === type);
    $("type-description").replaceChildren(...withCode(process ? process.description : ""));
    for (const field of fieldsFor(type)) {
      const id = `param-${field.name}`;
      let input;
      if (field.kind === "textarea" || field.kind === "json") {
        input = el("textarea", { id, name: field.name, rows: field.kind === "json" ? 4 : 3, placeholder: field.placeholder, maxlength: field.maxlength, spellcheck: "false" });
        input.value = field.value || "";
      } else {
        const inputType = { number: "text", int: "number", text: "text", secret: "password", date: "date", file: "file" }[field.kind] || "text";
        input = el("input", {
          id, name: field.name, type: inputType, min: field.min, max: field.max, maxlength: field.maxlength, accept: field.accept,
          inputmode: field.kind === "number" ? "decimal" : undefined, placeholder: field.placeholder,
          autocomplete: field.kind === "secret" ? "off" : undefined, step: field.kind === "int" ? 1 : undefined,
        });
        if (field.value !== undefined && field.kind !== "file") {
          input.value = field.value;
        }
      }
      if (!field.optional && field.kind !== "json" && field.kind !== "textarea") {
        input.required = true;
      }
      const label = el("label", { for: id, className: "param" },
        el("span", { className: "param-name", text: field.name }),
        field.optional ? el("span", { className: "optional", text: "optional" }) : null,
        field.hint ? el("span", { className: "param-hint", text: field.hint }) : null);
      box.append(el("div", { className: "field" }, label, input));
    }
  }

  const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

  // The JSON body, built by hand so that a number goes out exactly as typed (Tasker's numbers are exact decimals).
  function jsonBody(type, client, priority) {
    const parts = [];
    const errors = [];
    for (const field of fieldsFor(type)) {
      const input = $(`param-${field.name}`);
      const raw = input.value.trim();
      if (field.kind === "json") {
        try {
          JSON.parse(raw || "{}");
        } catch (error) {
          errors.push(`params: not JSON (${error.message})`);
        }
        return { errors, body: `{"type":${JSON.stringify(type)},"client":${JSON.stringify(client)},"priority":${JSON.stringify(priority)},"params":${raw || "{}"}}` };
      }
      if (raw === "" && field.optional) {
        continue;
      }
      let literal;
      if (field.kind === "number" || field.kind === "int") {
        if (!NUMBER.test(raw)) {
          errors.push(`${field.name}: a number, please`);
          continue;
        }
        literal = raw;
      } else {
        literal = JSON.stringify(field.kind === "textarea" ? input.value : raw);
      }
      parts.push(`${JSON.stringify(field.name)}:${literal}`);
    }
    return { errors, body: `{"type":${JSON.stringify(type)},"client":${JSON.stringify(client)},"priority":${JSON.stringify(priority)},"params":{${parts.join(",")}}}` };
  }

  function multipartBody(type, client, priority) {
    const form = new FormData();
    const errors = [];
    form.set("type", type);
    form.set("client", client);
    form.set("priority", priority);
    for (const field of fieldsFor(type)) {
      const input = $(`param-${field.name}`);
      if (field.kind === "file") {
        if (!input.files || input.files.length === 0) {
          errors.push(`${field.name}: choose a file`);
        } else {
          form.set(field.name, input.files[0], input.files[0].name);
        }
      } else if (input.value.trim() !== "") {
        form.set(field.name, input.value.trim());
      }
    }
    return { errors, body: form };
  }

  async function submitTask(event) {
    event.preventDefault();
    const type = $("submit-type").value;
    const client = $("submit-client").value.trim();
    const priority = $("submit-priority").value;
    const message = $("submit-message");
    const { errors, body } = takesUpload(type) ? multipartBody(type, client, priority) : jsonBody(type, client, priority);
    if (errors.length > 0) {
      showSubmitMessage(errors, "error");
      return;
    }
    try { localStorage.setItem("tasker.client", client); } catch { /* private mode */ }
    const button = $("submit-button");
    button.disabled = true;
    try {
      const result = await api("POST", "/tasks", body);
      if (!result.ok) {
        showSubmitMessage(problemText(result), "error");
        return;
      }
      const task = result.data;
      state.details.set(task.id, task);
      message.dataset.submittedId = task.id;
      const verb = task.cached ? "Answered from the cache" : (FINAL.has(task.status) ? `Done (${task.status})` : "Submitted");
      showSubmitMessage([`${verb}: ${task.type} ${task.id}`], "ok");
      if (task.status === "succeeded" && task.result !== null && task.result !== undefined) {
        message.append(el("div", { className: "mono", text: `result: ${compact(task.result, 200)}` }));
      }
      refreshList();
    } catch (error) {
      showSubmitMessage([`The request failed: ${error.message}`], "error");
    } finally {
      button.disabled = false;
    }
  }

  function showSubmitMessage(lines, kind) {
    const message = $("submit-message");
    if (kind === "error") {
      delete message.dataset.submittedId;
    }
    message.replaceChildren(...lines.map((line) => el("div", { text: line })));
    message.className = `message ${kind}`;
    message.hidden = false;
  }

  // A task that ran a command (its parameters hold one, its result stdout and stderr): shown as a terminal would.
  function isCommand(task) {
    return typeof (task.params && task.params.command) === "string" && (!task.result || "stdout" in task.result);
  }

  // A command and its output, as a terminal would show them (text only, never markup).
  function commandDetails(task) {
    const r = task.result || {};
    const lines = [`$ ${task.params.command}`, ""];
    if (task.result) {
      lines.push(`--- stdout${r.stdout_truncated ? ` (cut at ${bytes(r.output_cap_bytes)})` : ""} ---`, r.stdout || "", `--- stderr${r.stderr_truncated ? ` (cut at ${bytes(r.output_cap_bytes)})` : ""} ---`, r.stderr || "", "---");
      lines.push(`${r.timed_out ? "timed out" : `exit code ${r.exit_code}`} · agent ${r.agent} · attempt ${r.attempt} · ${r.duration_ms} ms`);
    } else {
      lines.push(task.status === "queued" ? "waiting for an agent…" : "running on an agent…");
    }
    if (task.error) {
      lines.push(task.error);
    }
    return lines.join("\n");
  }

  // ---------- executor agents ----------

  async function refreshAgents() {
    try {
      const result = await api("GET", "/agents");
      if (result.ok) {
        renderAgents(result.data);
      }
    } catch {
      // the list says when Tasker does not answer
    } finally {
      setTimeout(refreshAgents, PROCESS_INTERVAL);
    }
  }

  function renderAgents(view) {
    $("agent-summary").textContent = `${view.queued} shell task(s) waiting · ${view.leased} running`;
    $("agent-list").replaceChildren(...(view.agents.length === 0
      ? [el("li", { className: "agent empty", text: "No agent has called yet. Start one: tasker agent --token …" })]
      : view.agents.map((agent) => el("li", { className: "agent", "data-agent": agent.name },
        el("span", { className: "agent-name mono", text: agent.name }),
        el("span", { className: "agent-task mono", text: agent.currentTask ? `task …${agent.currentTask.slice(-8)}` : "idle", title: agent.currentTask || "" }),
        el("span", { className: "agent-seen", text: relativeTime(agent.lastSeen), title: agent.lastSeen })))));
  }

  // ---------- schedules ----------

  // Every user's schedules for an admin or the signed-in user's own; without authentication, those of the client the
  // task list is filtered by (the API needs a client then).
  async function refreshSchedules() {
    try {
      const client = $("filter-client").value.trim();
      const result = await api("GET", client ? `/schedules?client=${encodeURIComponent(client)}` : "/schedules");
      renderSchedules(result.ok ? result.data.items : null);
    } catch {
      // the list says when Tasker does not answer
    } finally {
      setTimeout(refreshSchedules, PROCESS_INTERVAL);
    }
  }

  function renderSchedules(items) {
    const list = $("schedule-list");
    if (!items || items.length === 0) {
      list.replaceChildren(el("li", { className: "schedule empty",
        text: items ? "No schedules." : "Type a client in the task filter to see its schedules." }));
      return;
    }
    list.replaceChildren(...items.map((s) => el("li", { className: "schedule", "data-schedule": s.id },
      el("div", {},
        el("div", { className: "mono", text: `${s.id} · ${s.task.type}` }),
        el("div", { className: "hint", text: `${s.cron ? `cron ${s.cron}` : `every ${s.every}`} · ${s.timezone} · ${s.client}` })),
      el("div", { className: "when",
        text: s.paused ? "paused" : (s.nextDue ? `next ${untilTime(s.nextDue)}` : "ended"),
        title: s.nextDue || "" }))));
  }

  // ---------- processes ----------

  async function refreshProcesses() {
    try {
      const result = await api("GET", "/processes");
      if (result.ok) {
        state.processes = result.data;
        renderProcesses();
        renderTypeChoices();
      }
    } catch {
      // the list says when Tasker does not answer
    } finally {
      setTimeout(refreshProcesses, PROCESS_INTERVAL);
    }
  }

  function renderTypeChoices() {
    const types = state.processes.map((p) => p.type);
    for (const select of [$("submit-type"), $("filter-type")]) {
      const have = [...select.options].map((o) => o.value).filter(Boolean);
      if (have.join() === types.join()) {
        continue;
      }
      const chosen = select.value;
      const keep = select.id === "filter-type" ? [el("option", { value: "", text: "all types" })] : [];
      select.replaceChildren(...keep, ...types.map((t) => el("option", { value: t, text: t })));
      if (types.includes(chosen) || (chosen === "" && select.id === "filter-type")) {
        select.value = chosen;
      } else {
        select.value = defaultType(types);
      }
      if (select.id === "submit-type") {
        renderParamFields();
      }
    }
    const process = state.processes.find((p) => p.type === $("submit-type").value);
    $("type-description").replaceChildren(...withCode(process ? process.description : ""));
  }

  // The first long type that needs neither a file nor a secret: its progress shows what Tasker does.
  function defaultType(types) {
    const demo = types.find((t) => {
      const known = state.types.get(t);
      return known && !known.instant && !known.upload && !known.parameters.some((p) => p.kind === "secret");
    });
    return demo || types[0] || "";
  }

  async function loadTypes() {
    try {
      const result = await api("GET", "/types");
      if (result.ok) {
        state.types = new Map(result.data.map((t) => [t.type, t]));
        renderParamFields();
        return;
      }
    } catch {
      // tried again below
    }
    setTimeout(loadTypes, PROCESS_INTERVAL);
  }

  function renderProcesses() {
    const list = $("process-list");
    list.replaceChildren(...state.processes.map((process) => {
      const active = process.status === "active";
      const button = el("button", {
        type: "button", className: `small ${active ? "danger" : "go"}`, text: active ? "Suspend" : "Activate",
        "data-action": active ? "suspend" : "activate",
        onclick: () => setProcess(process.type, active ? "suspended" : "active", active ? $("suspend-reason").value.trim() : "", button),
      });
      const since = process.since ? ` since ${new Date(process.since).toLocaleString()}` : "";
      return el("li", { className: "process", "data-process": process.type, "data-status": process.status },
        el("div", { className: "process-head" },
          el("span", { className: "type", text: process.type }),
          el("span", { className: `status p-${process.status}`, text: process.status })),
        el("div", { className: "process-note" }, ...(process.reason ? [document.createTextNode(`${process.reason}${since}`)] : (active ? withCode(process.description) : [document.createTextNode(since.trim())]))),
        el("div", { className: "process-actions" }, button));
    }));
  }

  async function setProcess(type, status, reason, button) {
    button.disabled = true;
    const body = JSON.stringify(reason ? { status, reason } : { status });
    try {
      const result = await api("PUT", `/processes/${encodeURIComponent(type)}`, body);
      if (!result.ok) {
        toast(problemText(result));
        return;
      }
      state.processes = state.processes.map((p) => (p.type === type ? result.data : p));
      button.blur();
      renderProcesses();
      toast(`${type} is ${result.data.status}`, "ok");
    } catch (error) {
      toast(`The request failed: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  // ---------- start ----------

  function start() {
    let client = "web";
    try { client = localStorage.getItem("tasker.client") || client; } catch { /* private mode */ }
    $("submit-client").value = client;
    $("submit-type").addEventListener("change", renderParamFields);
    $("submit").addEventListener("submit", submitTask);

    let debounce = 0;
    const refilter = () => {
      state.limit = PAGE_SIZE;
      clearTimeout(debounce);
      debounce = setTimeout(refreshList, 250);
    };
    $("filter-client").addEventListener("input", refilter);
    $("filter-type").addEventListener("change", refilter);
    $("filter-status").addEventListener("change", refilter);
    $("filters").addEventListener("reset", () => setTimeout(refilter, 0));
    $("filters").addEventListener("submit", (e) => { e.preventDefault(); refilter(); });
    $("more").addEventListener("click", () => {
      state.limit = Math.min(500, state.limit + PAGE_SIZE);
      refreshList();
    });
    setInterval(() => {
      for (const [id, row] of state.rows) {
        const item = state.items.find((i) => i.id === id);
        if (item) {
          row.created.textContent = relativeTime(item.createdAt);
        }
      }
    }, 10000);

    loadTypes().then(refreshProcesses);
    refreshAgents();
    refreshSchedules();
    refreshList();
  }

  start();
})();
