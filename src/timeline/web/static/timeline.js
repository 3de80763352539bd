// timeline's analysts' page: keeps the states in step with the controls and
// draws the timeline chart.  Hand-written, no build step, no library: the
// states come from the server as HTML (/fragments/states, the same template as
// the page), the chart's data from the JSON API (/api/history, /api/events).
// Everything taken from the log goes into the page as text nodes, never HTML.
(() => {
  "use strict";

  const DAY = 86400000;
  const app = document.getElementById("app");
  const form = document.getElementById("controls");
  const asOf = document.getElementById("as-of");
  const slider = document.getElementById("day-slider");
  const sliderDay = document.getElementById("slider-day");
  const knownAt = document.getElementById("known-at");
  const statesBox = document.getElementById("states");
  const chartBox = document.getElementById("chart");
  const details = document.getElementById("details");
  const freshness = document.getElementById("freshness");

  const KINDS = [
    ["instrument", "#1f5fa8", "laws and rules"],
    ["body", "#2a7f62", "bodies"],
    ["agreement", "#b35c00", "agreements"],
    ["membership", "#a8326e", "memberships"],
    ["meeting", "#7a4fb5", "meetings"],
    ["office", "#56606b", "offices"],
    ["investment", "#8f6d00", "investments"],
    ["metric", "#2b7fa8", "figures"],
  ];
  const COLOUR = Object.fromEntries(KINDS.map(([kind, colour]) => [kind, colour]));

  // -- dates: UTC milliseconds at the start of a day ---------------------------
  function parseDay(text) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    return match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) : null;
  }
  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }
  // A partial date is an interval: "2025-11" runs from the 1st to the 30th.
  function interval(effective) {
    const [y, m, d] = effective.split("-").map(Number);
    if (d) return [Date.UTC(y, m - 1, d), Date.UTC(y, m - 1, d)];
    if (m) return [Date.UTC(y, m - 1, 1), Date.UTC(y, m, 0)];
    return [Date.UTC(y, 0, 1), Date.UTC(y, 11, 31)];
  }

  const firstDay = parseDay(app.dataset.firstDay);
  const lastDay = parseDay(app.dataset.lastDay);

  // -- small DOM helpers --------------------------------------------------------
  const SVG = "http://www.w3.org/2000/svg";
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  }
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    for (const child of children) node.append(child);
    return node;
  }
  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  // /api/history comes a page at a time: follow `next_after`, all pages as known at
  // the first page's moment.
  async function wholeHistory(code, known) {
    const facts = [];
    let after = null;
    let moment = known;
    do {
      const params = new URLSearchParams({ jurisdiction: code });
      if (moment) params.set("known_at", moment);
      if (after) params.set("after", after);
      const page = await getJSON("/api/history?" + params);
      facts.push(...page.facts);
      after = page.next_after;
      moment = page.known_at;
    } while (after);
    return facts;
  }

  // -- the controls ---------------------------------------------------------------
  function selected() {
    return [...form.querySelectorAll('input[name="j"]:checked')].map((input) => input.value);
  }
  function query() {
    const params = new URLSearchParams();
    for (const code of selected()) params.append("j", code);
    if (asOf.value) params.set("as_of", asOf.value);
    if (knownAt.value) params.set("known_at", knownAt.value);
    if (document.getElementById("with-subdivisions").checked) params.set("sub", "true");
    return params;
  }

  let generation = 0;
  async function refresh() {
    const params = query();
    history.replaceState(null, "", "?" + params);
    const mine = ++generation;
    statesBox.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/fragments/states?" + params);
      const html = await response.text();
      if (mine !== generation) return; // a later change has been asked for meanwhile
      statesBox.innerHTML = html; // rendered by the server's autoescaping template
    } catch (error) {
      if (mine !== generation) return;
      statesBox.replaceChildren(el("p", { class: "error", role: "alert" }, "Could not load the states: " + error.message));
    } finally {
      if (mine === generation) statesBox.removeAttribute("aria-busy");
    }
    chart.show(selected(), knownAt.value, parseDay(asOf.value));
    watchStatus(false);
  }

  function syncSlider() {
    if (!slider) return;
    const day = parseDay(asOf.value);
    if (day === null) return;
    const max = Number(slider.max);
    slider.value = String(Math.min(max, Math.max(0, Math.round((day - firstDay) / DAY))));
    sliderDay.textContent = asOf.value;
  }

  let sliderTimer = 0;
  if (slider) {
    slider.max = String(Math.round((lastDay - firstDay) / DAY));
    slider.addEventListener("input", () => {
      asOf.value = isoDay(firstDay + Number(slider.value) * DAY);
      sliderDay.textContent = asOf.value;
      chart.moveCursor(parseDay(asOf.value));
      clearTimeout(sliderTimer);
      sliderTimer = setTimeout(refresh, 150); // while dragging, ask once it rests
    });
  }
  asOf.addEventListener("change", () => {
    if (parseDay(asOf.value) === null) return;
    syncSlider();
    refresh();
  });
  knownAt.addEventListener("change", refresh);
  document.getElementById("known-now").addEventListener("click", () => {
    knownAt.value = "";
    refresh();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "j" || event.target.name === "sub") refresh();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  document.getElementById("jurisdiction-filter").addEventListener("input", (event) => {
    const words = event.target.value.trim().toLowerCase();
    for (const item of document.querySelectorAll("#jurisdictions li[data-search]")) {
      item.hidden = Boolean(words) && !item.dataset.search.includes(words);
    }
  });

  // -- the chart ----------------------------------------------------------------------
  const chart = {
    key: null,
    lanes: [],
    view: null, // [first ms, last ms] on screen
    cursor: null,

    async show(codes, known, cursor) {
      this.cursor = cursor;
      const key = codes.join(" ") + "|" + known;
      if (key === this.key) return this.draw();
      this.key = key;
      if (!codes.length) {
        this.lanes = [];
        return this.draw();
      }
      try {
        const lists = await Promise.all(codes.map((code) => wholeHistory(code, known)));
        if (key !== this.key) return;
        this.lanes = codes.map((code, i) => ({
          code,
          facts: lists[i].map((fact) => ({ ...fact, span: interval(fact.effective) })),
        }));
      } catch (error) {
        chartBox.replaceChildren(el("p", { class: "error", role: "alert" }, "Could not load the timeline: " + error.message));
        return;
      }
      this.draw();
    },

    whole() {
      const pad = Math.max(30 * DAY, (lastDay - firstDay) * 0.03);
      return [firstDay - pad, lastDay + pad];
    },

    zoom(factor, centre) {
      const [a, b] = this.view || this.whole();
      const mid = centre ?? (this.cursor !== null && this.cursor >= a && this.cursor <= b ? this.cursor : (a + b) / 2);
      const [wa, wb] = this.whole();
      const span = Math.min(Math.max((b - a) * factor, 20 * DAY), (wb - wa) * 4);
      const ratio = (mid - a) / (b - a);
      this.view = [mid - span * ratio, mid - span * ratio + span];
      this.draw();
    },

    pan(fraction) {
      const [a, b] = this.view || this.whole();
      const shift = (b - a) * fraction;
      this.view = [a + shift, b + shift];
      this.draw();
    },

    moveCursor(ms) {
      this.cursor = ms;
      this.draw();
    },

    draw() {
      if (!this.lanes.length) {
        chartBox.replaceChildren(el("p", { class: "empty" }, "Pick a jurisdiction to draw its timeline."));
        return;
      }
      if (!this.view) this.view = this.whole();
      const [v0, v1] = this.view;
      const width = Math.max(chartBox.clientWidth, 420);
      const left = 64, right = 14, top = 30, rowHeight = 16, lanePad = 10;
      const plot = width - left - right;
      const x = (ms) => left + ((ms - v0) / (v1 - v0)) * plot;

      // Lay each lane's facts out in rows, so that none hides another.
      let y = top;
      const placed = [];
      for (const lane of this.lanes) {
        const rows = [];
        for (const fact of lane.facts) {
          let x0 = x(fact.span[0]);
          let x1 = x(fact.span[1] + DAY);
          const isDay = fact.span[0] === fact.span[1];
          if (isDay) {
            const mid = (x0 + x1) / 2;
            x0 = mid - 6;
            x1 = mid + 6;
          } else if (x1 - x0 < 4) {
            x1 = x0 + 4;
          }
          if (x1 < left || x0 > width - right) continue;
          let row = rows.findIndex((end) => end + 3 <= x0);
          if (row === -1) row = rows.push(0) - 1;
          rows[row] = x1;
          placed.push({ fact, isDay, x0, x1, y: y + lanePad + row * rowHeight + rowHeight / 2 });
        }
        lane.y = y;
        lane.height = lanePad * 2 + Math.max(1, rows.length) * rowHeight;
        y += lane.height;
      }
      const height = y + 8;

      const root = svg("svg", {
        viewBox: `0 0 ${width} ${height}`,
        width,
        height,
        role: "group",
        "aria-label": "Timeline of facts, one lane per jurisdiction",
      });
      const clip = svg("clipPath", { id: "plot-clip" }, svg("rect", { x: left, y: 0, width: plot, height }));
      root.append(svg("defs", {}, clip));

      // Axis: years, or months when zoomed in far enough to read them.
      const axis = svg("g", { class: "axis" });
      const monthly = (v1 - v0) / DAY < 800;
      const start = new Date(v0);
      let tick = monthly
        ? Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1)
        : Date.UTC(start.getUTCFullYear(), 0, 1);
      const everyYears = Math.max(1, Math.ceil((v1 - v0) / DAY / 365 / (plot / 70)));
      const everyMonths = Math.max(1, Math.ceil((v1 - v0) / DAY / 30.4 / (plot / 60)));
      for (; tick <= v1; ) {
        const date = new Date(tick);
        const tx = x(tick);
        if (tx >= left) {
          axis.append(svg("line", { class: "tick", x1: tx, x2: tx, y1: top - 6, y2: height - 8 }));
          const label = monthly
            ? (date.getUTCMonth() === 0 ? String(date.getUTCFullYear()) : date.toLocaleString("en", { month: "short", timeZone: "UTC" }))
            : String(date.getUTCFullYear());
          if (tx < width - right - 24) axis.append(svg("text", { x: tx + 3, y: top - 12 }, label));
        }
        tick = monthly
          ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + everyMonths, 1)
          : Date.UTC(date.getUTCFullYear() + everyYears, 0, 1);
      }
      root.append(axis);

      for (const lane of this.lanes) {
        root.append(svg("line", { class: "lane-line", x1: 0, x2: width, y1: lane.y + lane.height, y2: lane.y + lane.height }));
        root.append(svg("text", { class: "lane-label", x: 8, y: lane.y + lanePad + rowHeight / 2 + 4 }, lane.code));
      }

      const facts = svg("g", { "clip-path": "url(#plot-clip)" });
      for (const { fact, isDay, x0, x1, y: fy } of placed) {
        const family = fact.kind.split(".")[0];
        const label = `${fact.title}, ${fact.kind.replace(".", " ").replace("_", " ")}, ${fact.effective}`;
        const shape = isDay
          ? svg("circle", { cx: (x0 + x1) / 2, cy: fy, r: 6 })
          : svg("rect", { x: x0, y: fy - 5, width: x1 - x0, height: 10, rx: 3, "fill-opacity": 0.8 });
        shape.setAttribute("class", "fact");
        shape.setAttribute("fill", COLOUR[family] || "#56606b");
        shape.setAttribute("tabindex", "0");
        shape.setAttribute("role", "button");
        shape.setAttribute("aria-label", label);
        shape.dataset.subject = fact.subject;
        shape.dataset.effective = fact.effective;
        shape.dataset.kind = fact.kind;
        shape.append(svg("title", {}, label));
        const open = () => {
          for (const other of chartBox.querySelectorAll(".fact.selected")) other.classList.remove("selected");
          shape.classList.add("selected");
          showSources(fact);
        };
        shape.addEventListener("click", open);
        shape.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            open();
          }
        });
        facts.append(shape);
      }
      root.append(facts);

      if (this.cursor !== null && this.cursor >= v0 && this.cursor <= v1) {
        const cx = x(this.cursor + DAY / 2);
        root.append(svg("line", { class: "cursor", x1: cx, x2: cx, y1: top - 4, y2: height - 8 }));
        const anchor = cx > width - 90 ? "end" : "start";
        root.append(svg("text", { class: "cursor-label", x: anchor === "end" ? cx - 4 : cx + 4, y: height - 12, "text-anchor": anchor }, isoDay(this.cursor)));
      }
      chartBox.replaceChildren(root);
    },
  };

  // Zoom: buttons, and the wheel around the pointer; drag to move along.
  document.querySelector(".chart-tools").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.zoom === "in") chart.zoom(0.5);
    else if (button.dataset.zoom === "out") chart.zoom(2);
    else if (button.dataset.zoom === "reset") {
      chart.view = null;
      chart.draw();
    } else if (button.dataset.pan) chart.pan(0.25 * Number(button.dataset.pan));
  });
  function timeAt(clientX) {
    const box = chartBox.getBoundingClientRect();
    const [a, b] = chart.view || chart.whole();
    const left = 64, plot = Math.max(box.width, 420) - left - 14;
    return a + ((clientX - box.left - left) / plot) * (b - a);
  }
  chartBox.addEventListener("wheel", (event) => {
    if (!chart.lanes.length) return;
    event.preventDefault();
    chart.zoom(event.deltaY > 0 ? 1.25 : 0.8, timeAt(event.clientX));
  }, { passive: false });
  let drag = null;
  chartBox.addEventListener("pointerdown", (event) => {
    if (event.target.classList && event.target.classList.contains("fact")) return;
    if (!chart.lanes.length) return;
    drag = { x: event.clientX, view: chart.view || chart.whole() };
    chartBox.setPointerCapture(event.pointerId);
    chartBox.classList.add("dragging");
  });
  chartBox.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const [a, b] = drag.view;
    const plot = Math.max(chartBox.clientWidth, 420) - 78;
    const shift = ((drag.x - event.clientX) / plot) * (b - a);
    chart.view = [a + shift, b + shift];
    chart.draw();
  });
  const endDrag = () => {
    drag = null;
    chartBox.classList.remove("dragging");
  };
  chartBox.addEventListener("pointerup", endDrag);
  chartBox.addEventListener("pointercancel", endDrag);
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => chart.draw(), 100);
  });

  const legend = document.getElementById("legend");
  for (const [, colour, name] of KINDS) {
    legend.append(el("li", {}, el("span", { class: "swatch", style: `background:${colour}` }), name));
  }

  // -- a fact's sources ---------------------------------------------------------------
  async function showSources(fact) {
    const heading = el("h2", { id: "details-heading" }, "Sources");
    details.replaceChildren(heading, el("p", { class: "empty" }, "Loading\u2026"));
    let events;
    try {
      events = await Promise.all(fact.events.map((id) => getJSON("/api/events/" + encodeURIComponent(id))));
    } catch (error) {
      details.replaceChildren(heading, el("p", { class: "error", role: "alert" }, error.message));
      return;
    }
    const original = events[0];
    const latest = events[events.length - 1];
    const corrected = latest.kind === "event.corrected" ? latest : null;
    const sources = corrected ? corrected.payload.corrected.sources || [] : original.sources;
    const facts = el(
      "dl", {},
      el("dt", {}, "kind"), el("dd", {}, fact.kind),
      el("dt", {}, "effective"), el("dd", {}, fact.effective),
      el("dt", {}, "where"), el("dd", {}, fact.jurisdictions.join(" ")),
      el("dt", {}, "recorded"), el("dd", {}, `#${original.seq} at ${original.recorded_at}`),
    );
    if (corrected) {
      facts.append(
        el("dt", {}, "corrected"),
        el("dd", {}, `#${corrected.seq} at ${corrected.recorded_at}: ${corrected.payload.reason}`),
      );
    }
    // Shown as known at an earlier moment, a fact may have been superseded since.
    const since = original.superseded;
    if (since && !(corrected && corrected.seq === since.by)) {
      facts.append(el("dt", {}, "since"), el("dd", { class: "superseded" }, since.text));
    }
    const list = el("ul", { class: "sources" });
    for (const source of sources) {
      const published = source.published ? `, ${source.published}` : "";
      const title = /^https?:\/\//.test(source.url || "")
        ? el("a", { href: source.url, rel: "noopener noreferrer", target: "_blank" }, source.title)
        : el("span", {}, source.title);
      list.append(el("li", {}, title, el("span", { class: "publisher" }, source.publisher + published)));
    }
    if (!sources.length) list.append(el("li", {}, "No source recorded."));
    details.replaceChildren(heading, el("h3", {}, fact.title), facts, list);
  }

  // -- keeping up with the log ---------------------------------------------------------
  let lastStatus = null;
  // `follow`: when the read models have moved on, show what they say now.
  async function watchStatus(follow = true) {
    try {
      const status = await getJSON("/api/status");
      const text = `log at #${status.head}; ` + (status.behind
        ? `read models ${status.behind} events behind` + (status.catch_up_seconds ? ", catching up" : "")
        : "read models current");
      freshness.textContent = text;
      freshness.dataset.behind = String(status.behind);
      const mark = JSON.stringify(status.projections);
      if (follow && lastStatus !== null && mark !== lastStatus) {
        chart.key = null; // the read models moved on: draw and show what they say now
        refresh();
      }
      lastStatus = mark;
    } catch (error) {
      freshness.textContent = "server unreachable: " + error.message;
    }
  }
  setInterval(watchStatus, 10000);

  syncSlider();
  chart.show(selected(), knownAt.value, parseDay(asOf.value));
  watchStatus(false);
})();
