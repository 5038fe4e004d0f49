// The glass view: draws a glassnet trace document (the numbers of one real training step).
//
// One hand-written ES module, no build step, no dependency, nothing fetched from a network.
// It never computes the network: every number shown comes from the document, and an edit is
// sent to the engine (the live server or the notebook kernel), which answers with a new document.
// Entry points: initPage(el, doc, config) for the page; the default export { render } for anywidget.

const SVG = "http://www.w3.org/2000/svg";
const STEPS = [
  "Initialization", "Forward propagation", "The loss", "Backpropagation",
  "The update", "Convergence check", "Iterate",
];
const MAX_DRAWN = 12; // neurons drawn per layer; a wider layer shows its strongest
const MAX_EDGES_PER_LAYER = 48; // beyond, the strongest edges only
const MAX_EDGE_LABELS = 24; // more edges than this: numbers on demand (click)
const SPEEDS = [1, 5, 20, 100]; // epochs per frame while playing
const ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity", "softmax", "leaky_relu", "elu", "softplus"];

// ------------------------------------------------------------------ numbers, as glassnet prints
export function fmt(value, precision = 9) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const v = value + 0;
  const small = v !== 0 && Math.abs(v) < 10 ** -Math.max(precision - 1, 0);
  const text = small || Math.abs(v) >= 1e6 ? v.toExponential(precision) : v.toFixed(precision);
  return text.startsWith("-") ? "−" + text.slice(1) : text;
}

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}

// ------------------------------------------------------------------ the document, read
function weightsOf(doc) { return doc.parameters.filter((p) => p.kind === "weights"); }
function biasesOf(doc) { return doc.parameters.filter((p) => p.kind === "bias"); }

function nameOf(doc, level, j) {
  const labels = doc.labels || {};
  if (level === 0 && labels.inputs) return labels.inputs[j];
  if (level === doc.neurons.length - 1 && labels.outputs) return labels.outputs[j];
  return doc.neurons[level][j];
}

function weightName(doc, k, i, j) {
  if (doc.names === "tutorial") {
    for (const [name, key] of Object.entries(doc.weight_names)) {
      if (key[0] === k && key[1] === i && key[2] === j) return name;
    }
  }
  return `layer[${doc.layers[k].layer}].weights[${i}, ${j}]`;
}

function dataGradient(doc, p) { // the data loss's part (a weight penalty's share is in the update)
  return doc.data_gradients ? doc.data_gradients[doc.parameters.indexOf(p)] : p.gradient;
}

function inputsOf(doc, k, s) { // the values entering Dense layer k (through any dropout)
  const drop = (doc.dropouts || []).find((d) => d.level === k);
  if (drop) return drop.out[s];
  return k === 0 ? doc.x[s] : doc.layers[k - 1].out[s];
}

// which neurons of each level to draw: all, or the strongest MAX_DRAWN by |weight|
function chooseNeurons(doc) {
  const weights = weightsOf(doc);
  const sizes = doc.neurons.map((level) => level.length);
  return sizes.map((size, level) => {
    const all = [...Array(size).keys()];
    if (size <= MAX_DRAWN) return all;
    const score = new Float64Array(size);
    if (level > 0) weights[level - 1].before.forEach((row) => row.forEach((w, j) => { score[j] += Math.abs(w); }));
    if (level < weights.length) weights[level].before.forEach((row, i) => row.forEach((w) => { score[i] += Math.abs(w); }));
    return all.sort((a, b) => score[b] - score[a]).slice(0, MAX_DRAWN).sort((a, b) => a - b);
  });
}

// ------------------------------------------------------------------ transports to the engine
function staticTransport() {
  return { live: false, request: () => Promise.reject(new Error("no engine: a static page")) };
}

function serverTransport(live) {
  return {
    live: true,
    async request(kind, payload = {}) {
      const url = `${live.endpoint}/${kind}?token=${encodeURIComponent(live.token)}`;
      const response = await fetch(url, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || response.statusText);
      return body;
    },
  };
}

export function widgetTransport(model) {
  let counter = 0;
  const pending = new Map();
  const listener = (message) => {
    const waiting = pending.get(message && message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.error) waiting.reject(new Error(message.error));
    else waiting.resolve(message.reply);
  };
  model.on("msg:custom", listener);
  return {
    live: true,
    request(kind, payload = {}) {
      counter += 1;
      const id = counter;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        model.send({ id, kind, payload });
      });
    },
    close() { if (model.off) model.off("msg:custom", listener); },
  };
}

// ------------------------------------------------------------------ the view
class GlassView {
  constructor(root, doc, transport, keyTarget) {
    this.root = root;
    this.transport = transport;
    this.step = 1;
    this.sample = 0;
    this.selected = null;
    this.playing = false;
    this.speed = 1;
    this.replayed = null; // static page: how much of the recorded history is shown
    this.build();
    this.setDocument(doc);
    this.onKey = (event) => this.key(event);
    this.keyTarget = keyTarget;
    keyTarget.addEventListener("keydown", this.onKey);
  }

  build() {
    const r = this.root;
    r.replaceChildren();
    r.classList.add("glassview");
    const header = el("header", { class: "gv-header" });
    header.append(el("strong", {}, "glassnet view"), el("span", { class: "gv-summary" }));
    header.append(el("span", { class: "gv-mode" }));
    const main = el("div", { class: "gv-main" });
    const left = el("div", { class: "gv-left" });
    this.svg = svg("svg", { class: "gv-network", viewBox: "0 0 640 440", role: "img" });
    this.legend = el("div", { class: "gv-legend" });
    left.append(this.svg, this.legend);
    const right = el("div", { class: "gv-right" });
    this.stepper = el("nav", { class: "gv-stepper", "aria-label": "the seven steps" });
    this.heading = el("h2", { class: "gv-heading" });
    this.formulas = el("pre", { class: "gv-formulas" });
    this.selection = el("div", { class: "gv-selection" });
    right.append(this.stepper, this.heading, this.formulas, this.selection);
    main.append(left, right);
    this.iterate = el("section", { class: "gv-iterate" });
    this.editor = el("section", { class: "gv-editor" });
    this.status = el("div", { class: "gv-status", role: "status" });
    r.append(header, main, this.iterate, this.editor, this.status);
    this.buildStepper();
    this.buildIterate();
  }

  buildStepper() {
    const button = (label, title, action) => {
      const b = el("button", { type: "button", title, class: "gv-nav" }, label);
      b.addEventListener("click", action);
      return b;
    };
    this.stepper.append(button("⇤ start", "back to the start (Home)", () => this.go(1)));
    this.stepper.append(button("◀", "previous step (←)", () => this.go(this.step - 1)));
    this.stepButtons = STEPS.map((title, n) => {
      const b = button(String(n + 1), `Step ${n + 1}. ${title}`, () => this.go(n + 1));
      b.classList.add("gv-step");
      b.dataset.step = String(n + 1);
      this.stepper.append(b);
      return b;
    });
    this.stepper.append(button("▶", "next step (→)", () => this.go(this.step + 1)));
  }

  buildIterate() {
    const controls = el("div", { class: "gv-play" });
    this.playButton = el("button", { type: "button", class: "gv-playbutton" }, "▶ play");
    this.playButton.addEventListener("click", () => this.togglePlay());
    const speed = el("select", { class: "gv-speed", title: "epochs per frame" });
    SPEEDS.forEach((n) => speed.append(el("option", { value: String(n) }, `${n} epoch${n > 1 ? "s" : ""}/frame`)));
    speed.addEventListener("change", () => { this.speed = Number(speed.value); });
    this.resetButton = el("button", { type: "button", class: "gv-reset" }, "↺ reset");
    this.resetButton.addEventListener("click", () => this.reset());
    this.epochLabel = el("span", { class: "gv-epoch" });
    controls.append(this.playButton, speed, this.resetButton, this.epochLabel);
    this.curve = el("canvas", { class: "gv-curve", width: "420", height: "200" });
    this.boundary = el("canvas", { class: "gv-boundary", width: "200", height: "200" });
    const plots = el("div", { class: "gv-plots" });
    plots.append(this.curve, this.boundary);
    this.iterate.append(el("h3", {}, "Step 7 · iterate: the loss as training runs"), controls, plots);
  }

  // ---------------------------------------------------------------- state changes
  setDocument(doc) {
    this.doc = doc;
    this.neurons = chooseNeurons(doc);
    this.curvePoints = doc.curve ? doc.curve.slice() : (doc.history || []).slice();
    this.surface = doc.surface || null;
    this.current = null; // parameter values while playing
    if (this.sample >= doc.x.length) this.sample = 0;
    this.draw();
  }

  go(step) {
    this.step = Math.min(7, Math.max(1, step));
    this.draw();
  }

  key(event) {
    const tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    if (event.key === "ArrowRight") this.go(this.step + 1);
    else if (event.key === "ArrowLeft") this.go(this.step - 1);
    else if (event.key === "Home") this.go(1);
    else return;
    event.preventDefault();
  }

  select(target) {
    this.selected = target;
    this.draw();
  }

  say(message, bad = false) {
    this.status.textContent = message;
    this.status.classList.toggle("gv-bad", bad);
  }

  async ask(kind, payload) {
    try {
      const reply = await this.transport.request(kind, payload);
      this.say("");
      return reply;
    } catch (error) {
      this.say(error.message, true);
      return null;
    }
  }

  async edit(payload) {
    const doc = await this.ask("edit", payload);
    if (doc) this.setDocument(doc);
  }

  async reset() {
    this.playing = false;
    if (!this.transport.live) { this.replayed = 0; this.replay(); return; }
    const doc = await this.ask("reset", {});
    if (doc) this.setDocument(doc);
  }

  togglePlay() {
    this.playing = !this.playing;
    this.playButton.textContent = this.playing ? "❚❚ pause" : "▶ play";
    if (!this.playing) return; // the loop below ends after the engine's current answer
    if (this.step !== 7) this.go(7);
    if (this.transport.live) this.playLive(); else this.replay();
  }

  async playLive() {
    // one request always in flight: the engine trains the next epochs while this frame draws
    this.frames = 0;
    let pending = this.ask("play", { epochs: this.speed });
    while (this.playing) {
      const started = performance.now();
      const reply = await pending;
      if (!reply) { this.playing = false; pending = null; break; }
      pending = this.playing ? this.ask("play", { epochs: this.speed }) : null;
      this.showPlayed(reply);
      const spent = performance.now() - started;
      // at most ~60 frames a second; the browser paints between two tasks
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 16 - spent)));
    }
    if (pending) { const last = await pending; if (last) this.showPlayed(last); }
    this.playButton.textContent = "▶ play";
    const doc = await this.ask("state", {}); // paused: every number of the next step
    if (doc) this.setDocument(doc);
    this.root.dataset.paused = String(Date.now());
  }

  showPlayed(reply) {
    const first = reply.curve[0][0]; // the engine's epochs replace the curve from there on
    this.curvePoints = this.curvePoints.filter((p) => p[0] < first).concat(reply.curve);
    this.current = reply.parameters;
    if (reply.surface) this.surface = reply.surface;
    this.frames += 1;
    this.drawNetwork();
    this.drawLegend();
    this.drawCurve();
    this.drawBoundary();
  }

  replay() { // a static page replays the iterations the trace recorded
    const history = this.doc.history || [];
    if (this.replayed === null || this.replayed >= history.length) this.replayed = 0;
    this.replays = (this.replays || 0) + 1; // a newer replay ends any older one
    const run = this.replays;
    const tick = () => {
      if (run !== this.replays) return;
      this.replayed += 1;
      this.curvePoints = history.slice(0, this.replayed);
      this.drawCurve();
      if (this.playing && this.replayed < history.length) setTimeout(tick, 400 / this.speed);
      else { this.playing = false; this.playButton.textContent = "▶ play"; }
    };
    tick();
  }

  destroy() {
    this.playing = false;
    this.keyTarget.removeEventListener("keydown", this.onKey);
    if (this.transport.close) this.transport.close();
  }

  // ---------------------------------------------------------------- drawing
  draw() {
    const d = this.doc;
    const sizes = d.neurons.map((level) => level.length).join("-");
    const acts = d.layers.map((l) => l.activation).join(", ");
    this.root.querySelector(".gv-summary").textContent =
      ` a ${sizes} network (${acts}), loss ${d.loss_function}, ${d.optimizer}` +
      (d.x.length > 1 ? `, ${d.x.length} samples` : "");
    this.root.querySelector(".gv-mode").textContent = this.transport.live
      ? "live: edits go to the engine"
      : "static file: editing is off (no kernel); run `glassnet view` to edit";
    this.stepButtons.forEach((b, n) => b.classList.toggle("gv-current", n + 1 === this.step));
    this.drawNetwork();
    this.drawLegend();
    this.drawStep();
    this.drawSelection();
    this.drawCurve();
    this.drawBoundary();
    this.drawEditor();
  }

  positions() {
    // room at the sides for long input names, and for output names (and their numbers)
    const d = this.doc;
    const levels = this.neurons.length;
    const long = (level) => this.neurons[level].some((j) => nameOf(d, level, j).length > 4);
    const left = long(0) ? 110 : 70;
    const crowdedOut = this.neurons[levels - 1].length > 4;
    const right = 640 - (long(levels - 1) ? (crowdedOut ? 220 : 110) : crowdedOut ? 130 : 70);
    const xs = (level) => left + (level * (right - left)) / Math.max(1, levels - 1);
    return this.neurons.map((drawn, level) => drawn.map((_, n) => ({
      x: xs(level), y: 50 + ((n + 0.5) * 330) / drawn.length,
    })));
  }

  weightValue(k, i, j, which) {
    const p = weightsOf(this.doc)[k];
    if (which === "current" && this.current) return this.current[this.doc.parameters.indexOf(p)][i][j];
    if (which === "gradient") return dataGradient(this.doc, p)[i][j];
    if (which === "after") return p.after ? p.after[i][j] : null;
    return p.before[i][j];
  }

  edgeList() {
    const edges = [];
    const weights = weightsOf(this.doc);
    const which = this.playing || this.current ? "current" : this.step === 5 ? "after" : "before";
    weights.forEach((_, k) => {
      const layerEdges = [];
      this.neurons[k].forEach((i, a) => this.neurons[k + 1].forEach((j, b) => {
        layerEdges.push({ k, i, j, a, b, w: this.weightValue(k, i, j, which) });
      }));
      layerEdges.sort((p, q) => Math.abs(q.w) - Math.abs(p.w));
      edges.push(...layerEdges.slice(0, MAX_EDGES_PER_LAYER));
    });
    return edges;
  }

  drawNetwork() {
    const d = this.doc;
    const s = this.sample;
    const pos = this.positions();
    const root = this.svg;
    root.replaceChildren();
    const edges = this.edgeList();
    const scale = Math.max(1e-12, ...edges.map((e) => Math.abs(e.w)));
    this.weightScale = scale;
    const labelEdges = edges.length <= MAX_EDGE_LABELS;
    const edgeLayer = svg("g", { class: "gv-edges" });
    const labelLayer = svg("g", { class: "gv-edge-labels" });
    for (const e of edges) {
      const from = pos[e.k][e.a];
      const to = pos[e.k + 1][e.b];
      const name = weightName(d, e.k, e.i, e.j);
      const chosen = this.selected && this.selected.kind === "weight" && this.selected.k === e.k
        && this.selected.i === e.i && this.selected.j === e.j;
      const line = svg("line", {
        x1: from.x, y1: from.y, x2: to.x, y2: to.y,
        class: `gv-edge ${e.w >= 0 ? "gv-pos" : "gv-neg"}${chosen ? " gv-chosen" : ""}`,
        "stroke-width": (0.6 + (5 * Math.abs(e.w)) / scale).toFixed(2),
        "data-name": name,
      });
      line.append(svg("title", {}, `${name} = ${fmt(e.w)}`));
      line.addEventListener("click", () => this.select({ kind: "weight", k: e.k, i: e.i, j: e.j }));
      edgeLayer.append(line);
      if (labelEdges) labelLayer.append(this.edgeLabel(e, from, to, name));
    }
    root.append(edgeLayer);
    const neuronLayer = svg("g", { class: "gv-neurons" });
    this.neurons.forEach((drawn, level) => drawn.forEach((j, n) => {
      neuronLayer.append(this.drawNeuron(level, j, pos[level][n], s));
    }));
    root.append(labelLayer, neuronLayer);
    this.drawLayerSummaries(pos);
    this.markFactors();
  }

  edgeLabel(e, from, to, name) {
    // a level edge: above its middle; a slanted one: along it, near its source, on the side
    // away from the level edges, so that the labels of crossing edges never meet
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    const length = Math.hypot(dx, dy);
    const level = Math.abs(dy) < 1;
    const t = level ? 0.5 : 30 / length;
    const x = from.x + t * dx;
    const y = from.y + t * dy;
    const angle = (Math.atan2(dy, dx) * 180) / Math.PI;
    const step = this.step;
    let kind = "weight";
    let value = e.w;
    if (this.current) kind = "current";
    else if (step === 4) { kind = "gradient"; value = this.weightValue(e.k, e.i, e.j, "gradient"); }
    else if (step === 5) kind = "after";
    const prefix = name; // what the number is (w, ∂E/∂w, new w) the caption says
    const text = svg("text", {
      x: x.toFixed(1), y: y.toFixed(1), dy: dy > 0 ? "11" : "-4",
      transform: `rotate(${angle.toFixed(2)} ${x.toFixed(1)} ${y.toFixed(1)})`,
      class: `gv-num gv-edge-num gv-${kind}`, "text-anchor": level ? "middle" : "start",
      "data-name": name, "data-kind": kind, "data-value": String(value),
    }, `${prefix} ${fmt(value)}`);
    text.addEventListener("click", () => this.select({ kind: "weight", k: e.k, i: e.i, j: e.j }));
    return text;
  }

  drawNeuron(level, j, p, s) {
    const d = this.doc;
    const name = nameOf(d, level, j);
    const symbol = d.neurons[level][j];
    const g = svg("g", { class: "gv-neuron", "data-neuron": symbol, "data-level": String(level) });
    const last = level === d.neurons.length - 1;
    const kind = level === 0 ? "gv-unit-in" : last ? "gv-unit-out" : "gv-unit-hidden";
    g.append(svg("circle", { cx: p.x, cy: p.y, r: 17, class: kind }));
    const label = this.drawNeuronName(g, level, j, p, name);
    const lines = this.neuronNumbers(level, j, s);
    const all = lines.map(([, text, value]) => `${text} ${fmt(value)}`.trim());
    g.append(svg("title", {}, [name, ...all].join("\n"))); // every number, on demand
    this.drawNeuronNumbers(g, level, j, p, lines, label);
    g.addEventListener("click", () => {
      if (level > 0) this.select({ kind: "bias", k: level - 1, j });
    });
    return g;
  }

  // a short name inside the circle; a long one (a feature, a class) beside it, outside
  drawNeuronName(g, level, j, p, name) {
    const last = level === this.doc.neurons.length - 1;
    const inside = name.length <= 4 ? name : level > 0 && !last ? String(j + 1) : "";
    g.append(svg("text", { x: p.x, y: p.y + 4, "text-anchor": "middle", class: "gv-label" }, inside));
    if (inside) return { inside: true, width: 0 };
    const shown = name.length > 14 ? name.slice(0, 13) + "…" : name;
    g.append(svg("text", {
      x: level === 0 ? p.x - 22 : p.x + 22, y: p.y + 4, class: "gv-label gv-outer-label",
      "text-anchor": level === 0 ? "end" : "start",
    }, shown));
    return { inside: false, width: 7 * shown.length + 6 };
  }

  // numbers outside the band of edges: above the upper neurons, below the lower ones, aligned
  // with the neuron's outer edge at the sides; in a crowded column only the step's last number,
  // beside the neuron after any outer name
  drawNeuronNumbers(g, level, j, p, lines, label) {
    const last = level === this.doc.neurons.length - 1;
    const drawn = this.neurons[level];
    const crowded = drawn.length > 4;
    const above = drawn.indexOf(j) < drawn.length / 2;
    const shown = crowded ? lines.slice(-1) : lines;
    shown.forEach(([kind, text, value], n) => {
      let x = level === 0 ? p.x - 18 : last ? p.x + 18 : p.x;
      let y = above ? p.y - 35 - (shown.length - 1 - n) * 13 : p.y + 43 + n * 13; // clear of the rings
      let anchor = level === 0 ? "start" : last ? "end" : "middle";
      if (crowded) {
        const left = level === 0 && label.inside;
        x = left ? p.x - 22 : p.x + 22 + (level === 0 ? 0 : label.width);
        y = p.y + 4;
        anchor = left ? "end" : "start";
      }
      g.append(svg("text", {
        x, y, "text-anchor": anchor, class: `gv-num gv-${kind}`, "data-name": this.doc.neurons[level][j],
        "data-kind": kind, "data-value": String(value),
      }, `${text} ${fmt(value)}`.trim()));
    });
  }

  neuronNumbers(level, j, s) { // [kind, label, value] shown at this step
    const d = this.doc;
    const last = level === d.neurons.length - 1;
    if (level === 0) return this.step <= 2 ? [["input", "", d.x[s][j]]] : [];
    const layer = d.layers[level - 1];
    const bias = biasesOf(d)[level - 1];
    const biasName = d.bias_names ? d.bias_names[level - 1][j] : "b";
    switch (this.step) {
      case 1: return [["bias", `${biasName} =`, bias.before[j]]];
      case 2: return [["net", "net", layer.net[s][j]], ["out", "out", layer.out[s][j]]];
      case 3: return last ? [["out", "out", layer.out[s][j]], ["target", "target", d.y[s][j]],
        ["error", "E =", d.loss_per_output ? d.loss_per_output[s][j] : null]] : [];
      case 4: return [["delta", "δ =", layer.delta ? layer.delta[s][j] : null]];
      case 5: return bias.trainable ? [["bias-after", `${biasName} =`, bias.after[j]]] : [];
      case 6: { // the outputs the updates led to, against the targets
        const history = d.history || [];
        const done = history.length ? history[history.length - 1][0] : 1;
        return last && d.final_outputs ? [["target", "target", d.y[s][j]],
          ["final", `out after ${done} update${done === 1 ? "" : "s"}`, d.final_outputs[s][j]]] : [];
      }
      default: return [];
    }
  }

  drawLayerSummaries(pos) {
    const d = this.doc;
    d.neurons.forEach((names, level) => {
      const x = pos[level][0].x;
      const hidden = names.length - this.neurons[level].length;
      let text = level === 0 ? `${names.length} input${names.length > 1 ? "s" : ""}`
        : `${names.length} · ${d.layers[level - 1].activation}`;
      this.svg.append(svg("text", { x, y: 418, "text-anchor": "middle", class: "gv-layer-summary" }, text));
      if (hidden > 0) {
        this.svg.append(svg("text", { x, y: 432, "text-anchor": "middle", class: "gv-layer-summary" },
          `(${hidden} more not drawn)`));
      }
    });
  }

  // the factors of the selected gradient, marked where they live on the drawing
  factors() {
    const d = this.doc;
    const sel = this.selected;
    if (!sel) return null;
    const s = this.sample;
    const layer = d.layers[sel.k];
    const target = d.neurons[sel.k + 1][sel.j];
    const p = sel.kind === "weight" ? weightsOf(d)[sel.k] : biasesOf(d)[sel.k];
    const name = sel.kind === "weight" ? weightName(d, sel.k, sel.i, sel.j) : d.bias_names[sel.k][sel.j];
    const grad = dataGradient(d, p);
    const total = sel.kind === "weight" ? grad[sel.i][sel.j] : grad[sel.j];
    const source = sel.kind === "weight"
      ? { symbol: d.neurons[sel.k][sel.i], value: inputsOf(d, sel.k, s)[sel.i],
        label: sel.k === 0 ? d.neurons[0][sel.i] : `out_${d.neurons[sel.k][sel.i]}` }
      : { symbol: null, value: 1, label: "1" };
    const list = [];
    if (layer.dE_dout && layer.dout_dnet) {
      list.push({ label: `∂E/∂out_${target}`, value: layer.dE_dout[s][sel.j], at: target });
      list.push({ label: `∂out_${target}/∂net_${target}`, value: layer.dout_dnet[s][sel.j], at: target });
    } else {
      list.push({ label: `δ_${target}`, value: layer.delta ? layer.delta[s][sel.j] : null, at: target });
    }
    list.push({ label: `∂net_${target}/∂${name} = ${source.label}`, value: source.value, at: source.symbol });
    const index = d.parameters.indexOf(p);
    const numeric = d.numeric_gradients ? d.numeric_gradients[index] : null;
    const check = numeric ? (sel.kind === "weight" ? numeric[sel.i][sel.j] : numeric[sel.j]) : null;
    return { name, list, total, check, p, penalty: p.penalty_gradient };
  }

  markFactors() {
    const f = this.factors();
    if (!f) return;
    f.list.forEach((factor, n) => {
      if (!factor.at) return;
      const node = this.svg.querySelector(`[data-neuron="${CSS.escape(factor.at)}"] circle`);
      if (!node) return;
      const ring = svg("circle", {
        cx: node.getAttribute("cx"), cy: node.getAttribute("cy"), r: 21 + 4 * n,
        class: `gv-ring gv-factor-${n + 1}`,
      });
      node.parentNode.insertBefore(ring, node);
    });
  }

  drawSelection() {
    const box = this.selection;
    const f = this.factors();
    if (!f) {
      box.replaceChildren(el("p", { class: "gv-hint" }, "Select a weight (an edge) or a neuron's bias to see its chain-rule product."));
      return;
    }
    box.replaceChildren(el("h3", {}, `∂E/∂${f.name}: the chain rule, factor by factor`),
      this.chainFormula(f), this.chainNumbers(f), this.gradientCheck(f));
    this.drawEditField(box, f);
  }

  chainFormula(f) { // each factor in the colour of its ring on the drawing
    const line = el("p", { class: "gv-chain" });
    line.append(`∂E/∂${f.name} = `);
    f.list.forEach((factor, n) => {
      if (n) line.append(" × ");
      line.append(el("span", { class: `gv-factor gv-factor-${n + 1}`, title: factor.label }, factor.label));
    });
    return line;
  }

  chainNumbers(f) {
    const line = el("p", { class: "gv-chain gv-chain-numbers" });
    line.append("= ");
    f.list.forEach((factor, n) => {
      if (n) line.append(" × ");
      line.append(el("span", { class: `gv-factor gv-factor-${n + 1}`, "data-kind": "factor" }, fmt(factor.value)));
    });
    const total = el("span", { class: "gv-total", "data-kind": "selected-gradient", "data-value": String(f.total) }, fmt(f.total));
    if (this.doc.x.length > 1) line.append(` (sample ${this.sample + 1}); over the batch, the mean of the samples' products: ∂E/∂${f.name} = `, total);
    else line.append(" = ", total);
    return line;
  }

  gradientCheck(f) { // recorded by the trace with glassnet.gradcheck.numerical_gradients
    const check = el("p", { class: "gv-check" });
    if (f.check === null) {
      check.textContent = "finite-difference check: not recorded for this network (too large, or dropout)";
      return check;
    }
    check.append("finite-difference check: (E(θ+ε) − E(θ−ε)) / 2ε = ",
      el("span", { "data-kind": "numeric-gradient" }, fmt(f.check)),
      f.penalty ? " (of the loss with its penalty)" : "");
    return check;
  }

  drawEditField(box, f) {
    const sel = this.selected;
    const form = el("form", { class: "gv-edit-one" });
    const value = sel.kind === "weight" ? f.p.before[sel.i][sel.j] : f.p.before[sel.j];
    const input = el("input", {
      type: "number", step: "any", value: String(value), class: "gv-edit-value",
      "aria-label": `new value of ${f.name}`,
    });
    const button = el("button", { type: "submit" }, `set ${f.name}`);
    form.append(el("label", {}, `${f.name} = `), input, button);
    if (!this.transport.live) {
      input.disabled = true;
      button.disabled = true;
      form.append(el("span", { class: "gv-note" }, " editing needs the engine (no kernel in a static file)"));
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = Number(input.value);
      const what = sel.kind === "weight" ? { target: "weight", layer: sel.k, i: sel.i, j: sel.j }
        : { target: "bias", layer: sel.k, j: sel.j };
      this.edit({ ...what, value });
    });
    box.append(form);
  }

  drawStep() {
    const d = this.doc;
    this.heading.textContent = `Step ${this.step}. ${STEPS[this.step - 1]}`;
    const sections = (d.walkthrough || []).filter((section) => section.step === this.step);
    const lines = [];
    if (d.walkthrough_note && this.step === 1) lines.push(d.walkthrough_note, "");
    for (const section of sections) {
      if (sections.length > 1) lines.push(`${section.heading}`);
      lines.push(...section.lines, "");
    }
    if (this.step === 6 && !sections.length) {
      lines.push(`E before the update = ${fmt(d.loss)}`, `E after the update  = ${fmt(d.loss_after)}`,
        "Training stops when the loss has stopped improving (fit's tol and patience);",
        "here it goes on: step 7 iterates.");
    }
    this.formulas.textContent = lines.join("\n").trimEnd();
  }

  drawLegend() {
    const scale = this.weightScale || 1;
    const captions = {
      1: "edges: the weights w; neurons: the inputs and the biases b",
      2: "edges: the weights; neurons: net = Σ w·in + b and out = f(net)",
      3: "output neurons: out, the target and the error E",
      4: "edges: ∂E/∂w; neurons: δ = ∂E/∂net",
      5: "edges: the new weights after the update",
      6: "output neurons: the outputs after the update(s), against the targets",
    };
    const caption = this.current ? "edges: the weights as training plays" : captions[this.step] || "edges: the weights";
    this.legend.replaceChildren(
      el("div", { class: "gv-caption" }, caption),
      el("span", { class: "gv-swatch gv-neg-swatch" }), ` negative weight  `,
      el("span", { class: "gv-swatch gv-pos-swatch" }), ` positive weight; thickness ∝ |w| (thickest ${fmt(scale, 3)})`,
    );
  }

  drawCurve() {
    const c = this.curve;
    const ctx = c.getContext("2d");
    const points = this.curvePoints;
    const w = c.width; const h = c.height;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = "#999";
    ctx.strokeRect(40.5, 10.5, w - 50, h - 40);
    ctx.fillStyle = "#333";
    ctx.font = "11px sans-serif";
    if (!points.length) return;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]).filter((v) => v !== null);
    const x0 = Math.min(...xs); const x1 = Math.max(...xs, x0 + 1);
    const y0 = Math.min(0, ...ys); const y1 = Math.max(...ys, 1e-12);
    const px = (x) => 40 + ((x - x0) / (x1 - x0)) * (w - 50);
    const py = (y) => 10 + (1 - (y - y0) / (y1 - y0)) * (h - 40);
    ctx.strokeStyle = "#2b6cb0";
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((p, n) => { if (n) ctx.lineTo(px(p[0]), py(p[1])); else ctx.moveTo(px(p[0]), py(p[1])); });
    ctx.stroke();
    ctx.fillText(fmt(y1, 3), 2, 16);
    ctx.fillText(fmt(y0, 1), 2, h - 30);
    ctx.fillText(`iteration ${x1}`, w - 90, h - 14);
    const last = points[points.length - 1];
    const label = `E = ${fmt(last[1])} after ${last[0]} iteration${last[0] === 1 ? "" : "s"}`;
    this.epochLabel.textContent = label;
    this.epochLabel.dataset.loss = String(last[1]);
    this.epochLabel.dataset.iterations = String(last[0]);
    ctx.fillText(label, 46, h - 14);
  }

  drawBoundary() {
    const c = this.boundary;
    const s = this.surface;
    c.hidden = !s;
    if (!s) return;
    const ctx = c.getContext("2d");
    const n = s.n;
    const image = ctx.createImageData(n, n);
    for (let r = 0; r < n; r += 1) {
      for (let q = 0; q < n; q += 1) {
        const v = s.values[r * n + q];
        const [red, green, blue] = colorOf(v, s.kind);
        const o = ((n - 1 - r) * n + q) * 4;
        image.data[o] = red; image.data[o + 1] = green; image.data[o + 2] = blue; image.data[o + 3] = 255;
      }
    }
    const off = new OffscreenCanvas(n, n);
    off.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, c.width, c.height);
    const points = s.points || [];
    for (const [x, y, label] of points) {
      const px = ((x - s.x0) / (s.x1 - s.x0)) * c.width;
      const py = (1 - (y - s.y0) / (s.y1 - s.y0)) * c.height;
      const [red, green, blue] = colorOf(label, s.kind, true);
      ctx.fillStyle = `rgb(${red},${green},${blue})`;
      ctx.strokeStyle = "#fff";
      ctx.beginPath();
      ctx.arc(px, py, 3, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }

  drawEditor() {
    const d = this.doc;
    const live = this.transport.live;
    const title = live ? "Edit: the engine recomputes every number" : "Edit (needs the engine: `glassnet view`)";
    const row = el("div", { class: "gv-edit-row" });
    if (d.x[0].length <= 8 && d.x.length <= 8) {
      const s = this.sample;
      const outputs = d.neurons[d.neurons.length - 1];
      d.x[s].forEach((v, i) => row.append(this.editField(d.neurons[0][i], v, { target: "input", sample: s, i })));
      d.y[s].forEach((v, j) => row.append(this.editField(`target ${outputs[j]}`, v, { target: "target", sample: s, j })));
    }
    row.append(this.editField("learning rate η", d.learning_rate, { target: "learning_rate" }));
    d.layers.forEach((layer, k) => row.append(this.activationPicker(layer, k)));
    if (d.x.length > 1) row.append(this.samplePicker());
    this.editor.replaceChildren(el("h3", {}, title), row);
  }

  editField(label, value, payload) {
    const input = el("input", { type: "number", step: "any", value: String(value), class: "gv-edit-field", "aria-label": label });
    input.disabled = !this.transport.live;
    input.addEventListener("change", () => this.edit({ ...payload, value: Number(input.value) }));
    const wrap = el("label", {}, `${label} `);
    wrap.append(input);
    return wrap;
  }

  activationPicker(layer, k) {
    const select = el("select", { class: "gv-activation", "aria-label": `activation of layer ${k + 1}` });
    for (const name of ACTIVATIONS) {
      const option = el("option", { value: name }, name);
      option.selected = name === layer.activation;
      select.append(option);
    }
    select.disabled = !this.transport.live;
    select.addEventListener("change", () => this.edit({ target: "activation", layer: k, name: select.value }));
    const wrap = el("label", {}, `layer ${k + 1} `);
    wrap.append(select);
    return wrap;
  }

  samplePicker() { // which sample's numbers the drawing shows (the gradients are the batch's)
    const n = this.doc.x.length;
    const pick = el("input", { type: "number", min: "1", max: String(n), value: String(this.sample + 1), class: "gv-sample", "aria-label": "sample shown" });
    pick.addEventListener("change", () => {
      this.sample = Math.min(n, Math.max(1, Number(pick.value))) - 1;
      this.draw();
    });
    const wrap = el("label", {}, `sample shown (of ${n}) `);
    wrap.append(pick);
    return wrap;
  }

}

function colorOf(value, kind, strong = false) {
  // blue for high (class 1), orange for low (class 0), as Playground; white in between
  if (value === null || value === undefined) return [200, 200, 200];
  if (kind === "classes") {
    const palette = [[221, 107, 32], [43, 108, 176], [56, 161, 105], [128, 90, 213], [214, 158, 46], [229, 62, 62]];
    const c = palette[Math.round(value) % palette.length];
    return strong ? c : c.map((x) => Math.round(255 - 0.45 * (255 - x)));
  }
  const t = Math.min(1, Math.max(0, value));
  const low = [221, 107, 32]; const high = [43, 108, 176];
  const a = strong ? 1 : 0.55;
  const base = t < 0.5 ? low : high;
  const amount = a * Math.abs(t - 0.5) * 2;
  return base.map((x) => Math.round(255 - amount * (255 - x)));
}

// ------------------------------------------------------------------ entry points
export function initPage(root, doc, config = {}, transport = null) {
  const live = config && config.live;
  const chosen = transport || (live ? serverTransport(live) : staticTransport());
  const view = new GlassView(root, doc, chosen, config.keyTarget || document);
  root.glassview = view; // for tests and the benchmark: the view's state
  return view;
}

function render({ model, el: root }) {
  root.tabIndex = 0; // keys go to the widget only when it has the focus
  const view = initPage(root, model.get("document"), { keyTarget: root }, widgetTransport(model));
  return () => view.destroy();
}

export default { render };
