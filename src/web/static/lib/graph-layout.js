/**
 * A workflow drawn from its ASL definition: the states and their transitions
 * (Next, Choice rules and Default, Catch, End) as a graph, laid out top-down
 * in layers (a small Sugiyama layout: cycles broken by DFS, longest-path
 * layers, dummy nodes on long edges so they never cross a state, barycentric
 * ordering, and positions that keep each node near its neighbours).
 * Pure: numbers in, numbers out; the page turns the result into SVG.
 */

/**
 * A Choice rule of an ASL definition (`Variable` + one comparison, or `And`/`Or`/`Not`).
 * @typedef {{ Variable?: string, And?: ChoiceRule[], Or?: ChoiceRule[], Not?: ChoiceRule, Next?: string, [key: string]: unknown }} ChoiceRule
 */
/**
 * A state of an ASL definition (the fields the graph reads).
 * @typedef {{
 *   Type: string,
 *   Next?: string,
 *   End?: boolean,
 *   Default?: string,
 *   Resource?: unknown,
 *   Choices?: ChoiceRule[],
 *   Catch?: { ErrorEquals?: string[], Next?: string }[],
 *   [key: string]: unknown,
 * }} AslState
 */
/** @typedef {{ StartAt?: string, States?: Record<string, AslState>, [key: string]: unknown }} AslDefinition */

/** @typedef {'next' | 'choice' | 'default' | 'catch' | 'end'} EdgeKind */
/** @typedef {{ id: string, label: string, kind: 'start' | 'end' | 'state', type?: string, sub?: string }} GraphNode */
/** @typedef {{ id: string, from: string, to: string, kind: EdgeKind, label: string, title: string }} GraphEdge */
/** @typedef {{ nodes: GraphNode[], edges: GraphEdge[] }} Graph */
/** @typedef {{ x: number, y: number }} Point */
/** @typedef {GraphNode & { x: number, y: number, w: number, h: number, layer: number }} LaidOutNode */
/**
 * An edge's route: `points` from source to target (reversed for a back edge), the SVG `path`, where its label goes.
 * @typedef {GraphEdge & { points: Point[], path: string, labelAt: Point & { maxChars?: number }, back: boolean }} LaidOutEdge
 */
/** @typedef {{ width: number, height: number, nodes: LaidOutNode[], edges: LaidOutEdge[], crossings: number }} Layout */
/**
 * Sizes and gaps in pixels, and `measure`, the width of a text as it will be drawn (default: estimated).
 * @typedef {{
 *   measure?: (text: string, kind: 'label' | 'sub') => number,
 *   charWidth?: number, nodeHeight?: number, terminalHeight?: number, minWidth?: number, maxWidth?: number,
 *   gapX?: number, dummyGap?: number, dummyWidth?: number, gapY?: number, margin?: number,
 * }} LayoutOptions
 */

/**
 * `map.get(key)` for a key the layout itself put in the map (as `!` would say in TypeScript).
 * @template K, V
 * @param {Map<K, V>} map
 * @param {K} key
 * @returns {V}
 */
const get = (map, key) => /** @type {V} */ (map.get(key));

/**
 * `list.at(-1)` of a list known not to be empty.
 * @template T
 * @param {readonly T[]} list
 * @returns {T}
 */
const lastOf = (list) => /** @type {T} */ (list.at(-1));

export const START = '__start__';
export const END = '__end__';

const OPERATORS = [
  ['GreaterThanEquals', '≥'],
  ['LessThanEquals', '≤'],
  ['GreaterThan', '>'],
  ['LessThan', '<'],
  ['Equals', '='],
  ['Matches', '~'],
];

const shortPath = (/** @type {unknown} */ path) =>
  String(path)
    .replace(/^\$\.?/, '')
    .split('.')
    .slice(-2)
    .join('.');

/**
 * A Choice rule in a few words: `feedback.enough = true`.
 * @param {ChoiceRule | undefined} rule
 * @returns {string}
 */
export function describeRule(rule) {
  if (!rule || typeof rule !== 'object') return '';
  if (Array.isArray(rule.And)) return rule.And.map(describeRule).join(' and ');
  if (Array.isArray(rule.Or)) return rule.Or.map(describeRule).join(' or ');
  if (rule.Not) return `not (${describeRule(rule.Not)})`;
  const variable = shortPath(rule.Variable ?? '');
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Variable' || key === 'Next' || key === 'Comment') continue;
    if (key.startsWith('Is')) return `${variable} ${value ? '' : 'not '}${key.slice(2).toLowerCase()}`;
    const op = OPERATORS.find(([suffix]) => key.replace(/Path$/, '').endsWith(suffix));
    const shown = key.endsWith('Path') ? shortPath(value) : JSON.stringify(value);
    return `${variable} ${op ? op[1] : key} ${shown}`;
  }
  return variable;
}

/**
 * The graph of a definition: nodes (a Start, each state, an End) and edges
 * with their kind (`next`, `choice`, `default`, `catch`, `end`) and label.
 * `functions` names the Lambda behind each `${Placeholder}` resource.
 * @param {AslDefinition | null | undefined} definition
 * @param {Record<string, string>} [functions]
 * @returns {Graph}
 */
export function workflowGraph(definition, functions = {}) {
  const states = definition?.States ?? {};
  /** @type {GraphNode[]} */
  const nodes = [{ id: START, label: 'Start', kind: 'start' }];
  /** @type {GraphEdge[]} */
  const edges = [];
  /** @type {(from: string, to: string | undefined | null, kind: EdgeKind, label?: string, title?: string) => void} */
  const add = (from, to, kind, label = '', title = label) => {
    if (to === undefined || to === null) return;
    edges.push({ id: `${from}->${to}#${edges.length}`, from, to, kind, label, title });
  };
  if (definition?.StartAt) add(START, definition.StartAt, 'next');
  for (const [name, state] of Object.entries(states)) {
    let sub = state.Type;
    const placeholder = typeof state.Resource === 'string' ? /^\$\{(\w+)\}$/.exec(state.Resource)?.[1] : undefined;
    if (placeholder && functions[placeholder]) sub = `λ ${functions[placeholder]}`;
    else if (state.Type === 'Task' && typeof state.Resource === 'string')
      sub = `Task ${state.Resource.split(':').pop()}`;
    nodes.push({ id: name, label: name, kind: 'state', type: state.Type, sub });
    if (state.Type === 'Choice') {
      for (const choice of state.Choices ?? []) {
        const rule = describeRule(choice);
        add(name, choice.Next, 'choice', rule.length > 34 ? `${rule.slice(0, 33)}…` : rule, rule);
      }
      if (state.Default) add(name, state.Default, 'default', 'default');
    } else if (state.Next) {
      add(name, state.Next, 'next');
    }
    for (const c of state.Catch ?? []) {
      const errors = (c.ErrorEquals ?? []).join(', ');
      // Several catchers to the same state (e.g. States.DataLimitExceeded, which States.ALL does not match): one edge.
      const same = edges.find((e) => e.from === name && e.to === c.Next && e.kind === 'catch');
      if (same) same.title = `${same.title}, ${errors}`;
      else add(name, c.Next, 'catch', 'catch', `catch ${errors}`);
    }
    if (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail') add(name, END, 'end');
  }
  nodes.push({ id: END, label: 'End', kind: 'end' });
  const known = new Set(nodes.map((n) => n.id));
  return { nodes, edges: edges.filter((e) => known.has(e.from) && known.has(e.to)) };
}

const EXPLORE_ORDER = { next: 0, default: 1, choice: 1, end: 2, catch: 3 };

/**
 * Positions for the graph's nodes and routes for its edges.
 * Returns `{ width, height, nodes: [{...node, x, y, w, h, layer}], edges: [{...edge, points, path, labelAt, back}] }`
 * with x, y the top-left corner of each node.
 * @param {Graph} graph
 * @param {LayoutOptions} [options]
 * @returns {Layout}
 */
export function layoutGraph(graph, options = {}) {
  const o = {
    charWidth: 7.4,
    nodeHeight: 46,
    terminalHeight: 28,
    minWidth: 120,
    maxWidth: 260,
    gapX: 26,
    dummyGap: 14,
    dummyWidth: 10,
    gapY: 50,
    margin: 16,
    ...options,
  };
  // Text widths: measured by the caller when it can (a canvas in the browser), else estimated.
  /** @type {(text: string, kind: 'label' | 'sub') => number} */
  const measure =
    options.measure ?? ((text, kind) => text.length * (kind === 'label' ? o.charWidth : o.charWidth * 0.85));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  /** @type {Map<string, GraphEdge[]>} */
  const out = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) get(out, e.from).push(e);
  for (const list of out.values()) list.sort((a, b) => EXPLORE_ORDER[a.kind] - EXPLORE_ORDER[b.kind]);

  // 1. Depth-first from Start: discovery order (the initial order in layers) and back edges.
  /** @type {Map<string, 'open' | 'done'>} */
  const state = new Map();
  /** @type {Map<string, number>} */
  const discovery = new Map();
  /** @type {Set<string>} */
  const back = new Set();
  /** @type {(id: string) => void} */
  const visit = (id) => {
    state.set(id, 'open');
    discovery.set(id, discovery.size);
    for (const e of get(out, id)) {
      const s = state.get(e.to);
      if (s === 'open') back.add(e.id);
      else if (s === undefined) visit(e.to);
    }
    state.set(id, 'done');
  };
  visit(START);
  for (const n of graph.nodes) if (!state.has(n.id) && n.id !== END) visit(n.id);
  if (!state.has(END)) visit(END);

  // 2. Longest-path layers over the acyclic edges; End always last.
  const dag = graph.edges
    .filter((e) => e.from !== e.to)
    .map((e) => (back.has(e.id) ? { ...e, from: e.to, to: e.from } : e));
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  for (const e of dag) indegree.set(e.to, get(indegree, e.to) + 1);
  const layer = new Map(graph.nodes.map((n) => [n.id, 0]));
  const queue = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  while (queue.length) {
    const id = /** @type {string} */ (queue.shift());
    for (const e of dag.filter((d) => d.from === id)) {
      layer.set(e.to, Math.max(get(layer, e.to), get(layer, id) + 1));
      indegree.set(e.to, get(indegree, e.to) - 1);
      if (indegree.get(e.to) === 0) queue.push(e.to);
    }
  }
  const maxLayer = Math.max(0, ...[...layer.entries()].filter(([id]) => id !== END).map(([, l]) => l));
  if (byId.has(END)) layer.set(END, Math.max(get(layer, END), maxLayer + 1));
  const layerCount = Math.max(...layer.values()) + 1;

  // 3. Dummy nodes along edges that span more than one layer.
  /** @type {Map<string, { id: string, layer: number, w: number, h: number, dummy: boolean, order: number }>} */
  const items = new Map(); // nodes and dummies by id
  /** @type {(n: GraphNode) => number} */
  const widthOf = (n) =>
    n.kind === 'state'
      ? Math.min(
          o.maxWidth,
          Math.max(o.minWidth, Math.max(measure(`✓ ${n.label}`, 'label') + 30, measure(n.sub ?? '', 'sub')) + 26),
        )
      : 64;
  for (const n of graph.nodes)
    items.set(n.id, {
      id: n.id,
      layer: get(layer, n.id),
      w: widthOf(n),
      h: n.kind === 'state' ? o.nodeHeight : o.terminalHeight,
      dummy: false,
      order: discovery.get(n.id) ?? 0,
    });
  /** @type {Map<string, string[]>} */
  const chains = new Map(); // edge id -> [from, dummies..., to] in DAG direction
  /** @type {{ from: string, to: string, edgeId: string, strength: number }[]} */
  const links = []; // unit-span links between items
  for (const e of dag) {
    const chain = [e.from];
    for (let l = get(layer, e.from) + 1; l < get(layer, e.to); l++) {
      const id = `${e.id}@${l}`;
      // Long edges go to the side of the main flow: they sort by where they lead.
      items.set(id, { id, layer: l, w: o.dummyWidth, h: 0, dummy: true, order: (discovery.get(e.to) ?? 0) + 0.5 });
      chain.push(id);
    }
    chain.push(e.to);
    chains.set(e.id, chain);
    // The main flow (Next, Choice) pulls its nodes into line much harder than Catch and End edges do.
    const strength = e.kind === 'catch' || e.kind === 'end' ? 1 : 10;
    for (let i = 0; i + 1 < chain.length; i++) links.push({ from: chain[i], to: chain[i + 1], edgeId: e.id, strength });
  }
  /** @type {Map<string, string[]>} */
  const preds = new Map([...items.keys()].map((id) => [id, []]));
  /** @type {Map<string, string[]>} */
  const succs = new Map([...items.keys()].map((id) => [id, []]));
  /** @type {Map<string, number>} */
  const strengthOf = new Map();
  for (const l of links) {
    get(succs, l.from).push(l.to);
    get(preds, l.to).push(l.from);
    strengthOf.set(`${l.from}\u0000${l.to}`, Math.max(l.strength, strengthOf.get(`${l.from}\u0000${l.to}`) ?? 0));
  }

  // 4. Order within layers: discovery order, then barycentric sweeps (keeping the order with fewest crossings).
  /** @type {string[][]} */
  let layers = Array.from({ length: layerCount }, () => []);
  for (const item of items.values()) layers[item.layer].push(item.id);
  for (const ids of layers) ids.sort((a, b) => get(items, a).order - get(items, b).order);
  const position = () => {
    /** @type {Map<string, number>} */
    const pos = new Map();
    for (const ids of layers)
      ids.forEach((id, i) => {
        pos.set(id, i);
      });
    return pos;
  };
  const crossings = () => {
    const pos = position();
    let count = 0;
    for (let l = 0; l + 1 < layerCount; l++) {
      const between = links
        .filter((k) => get(items, k.from).layer === l)
        .map((k) => [get(pos, k.from), get(pos, k.to)]);
      for (let i = 0; i < between.length; i++)
        for (let j = i + 1; j < between.length; j++)
          if ((between[i][0] - between[j][0]) * (between[i][1] - between[j][1]) < 0) count++;
    }
    return count;
  };
  let best = layers.map((ids) => [...ids]);
  let bestCrossings = crossings();
  for (let sweep = 0; sweep < 8 && bestCrossings > 0; sweep++) {
    const down = sweep % 2 === 0;
    const range = down ? [...Array(layerCount).keys()].slice(1) : [...Array(layerCount).keys()].reverse().slice(1);
    for (const l of range) {
      const pos = position();
      const neighbours = down ? preds : succs;
      const key = new Map(
        layers[l].map((id, i) => {
          const ns = get(neighbours, id);
          return [id, ns.length ? ns.reduce((s, n) => s + get(pos, n), 0) / ns.length : i];
        }),
      );
      layers[l] = [...layers[l]].sort((a, b) => get(key, a) - get(key, b));
    }
    const c = crossings();
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((ids) => [...ids]);
    }
  }
  layers = best;

  // 5. x: each node near the mean of its neighbours, order kept, no overlaps (blocks merged as in isotonic regression).
  /** @type {Map<string, number>} */
  const x = new Map(); // centre
  for (const ids of layers) {
    let left = 0;
    for (const id of ids) {
      const w = get(items, id).w;
      x.set(id, left + w / 2);
      left += w + o.gapX;
    }
  }
  /** @type {(a: string, b: string) => number} */
  const gap = (a, b) => {
    const dummies = Number(get(items, a).dummy) + Number(get(items, b).dummy);
    return dummies === 2 ? 6 : dummies === 1 ? o.dummyGap : o.gapX;
  };
  /**
   * A run of nodes placed edge to edge. `offsets`: of each node's centre from the block's first;
   * `pos`: the weighted best position of the first.
   * @typedef {{ ids: string[], offsets: number[], sum: number, count: number, pos: number }} Block
   */
  /** @type {(ids: string[], desired: number[], weights: number[]) => void} */
  const place = (ids, desired, weights) => {
    /** @type {Block[]} */
    const blocks = [];
    ids.forEach((id, i) => {
      let block = /** @type {Block} */ ({ ids: [id], offsets: [0], sum: desired[i] * weights[i], count: weights[i] });
      block.pos = block.sum / block.count;
      while (blocks.length) {
        const prev = lastOf(blocks);
        const lastId = lastOf(prev.ids);
        const minDistance = get(items, lastId).w / 2 + gap(lastId, block.ids[0]) + get(items, block.ids[0]).w / 2;
        const prevLast = prev.pos + lastOf(prev.offsets);
        if (prevLast + minDistance <= block.pos) break;
        blocks.pop();
        const shift = lastOf(prev.offsets) + minDistance;
        const merged = /** @type {Block} */ ({
          ids: [...prev.ids, ...block.ids],
          offsets: [...prev.offsets, ...block.offsets.map((off) => off + shift)],
          sum: prev.sum + block.sum - shift * block.count,
          count: prev.count + block.count,
        });
        merged.pos = merged.sum / merged.count;
        block = merged;
      }
      blocks.push(block);
    });
    for (const b of blocks)
      b.ids.forEach((id, i) => {
        x.set(id, b.pos + b.offsets[i]);
      });
  };
  /** @type {(a: string, b: string) => number} */
  const weight = (a, b) => strengthOf.get(`${a}\u0000${b}`) ?? strengthOf.get(`${b}\u0000${a}`) ?? 1;
  /** @type {(down: boolean) => void} */
  const pull = (down) => {
    const order = down ? layers : [...layers].reverse();
    for (const ids of order) {
      /** @type {number[]} */
      const weights = [];
      const desired = ids.map((id) => {
        const ns = [...(down ? get(preds, id) : get(succs, id))];
        if (!ns.length) {
          weights.push(0.5);
          return get(x, id);
        }
        let s = 0;
        let wsum = 0;
        for (const n of ns) {
          s += get(x, n) * weight(id, n);
          wsum += weight(id, n);
        }
        weights.push(get(items, id).dummy ? 0.05 : Math.max(...ns.map((n) => weight(id, n))));
        return s / wsum;
      });
      place(ids, desired, weights);
    }
  };
  for (let i = 0; i < 6; i++) pull(i % 2 === 0);
  pull(true);
  const minLeft = Math.min(...[...items.values()].map((it) => get(x, it.id) - it.w / 2));

  // 6. y per layer, the rows as tall as their tallest node.
  const rowHeight = layers.map((ids) => Math.max(0, ...ids.map((id) => get(items, id).h)));
  /** @type {number[]} */
  const rowTop = [];
  let top = o.margin;
  for (let l = 0; l < layerCount; l++) {
    rowTop.push(top);
    top += rowHeight[l] + o.gapY;
  }
  const height = top - o.gapY + o.margin;
  /** @type {(id: string) => number} */
  const centre = (id) => get(x, id) - minLeft + o.margin;

  /** @type {LaidOutNode[]} */
  const nodes = graph.nodes.map((n) => {
    const it = get(items, n.id);
    const y = rowTop[it.layer] + (rowHeight[it.layer] - it.h) / 2;
    return { ...n, layer: it.layer, w: it.w, h: it.h, x: centre(n.id) - it.w / 2, y };
  });
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const width = Math.max(...nodes.map((n) => n.x + n.w), ...[...items.values()].map((it) => centre(it.id))) + o.margin;

  // 7. Routes: from a port on the bottom of the source, through the dummies, to a port on the top of the target.
  /** @typedef {Map<string, { edgeId: string, towards: number }[]>} Ports */
  /** @type {Ports} */
  const portsOut = new Map();
  /** @type {Ports} */
  const portsIn = new Map();
  for (const [edgeId, chain] of chains) {
    (portsOut.get(chain[0]) ?? get(portsOut.set(chain[0], []), chain[0])).push({ edgeId, towards: centre(chain[1]) });
    (portsIn.get(lastOf(chain)) ?? get(portsIn.set(lastOf(chain), []), lastOf(chain))).push({
      edgeId,
      towards: centre(/** @type {string} */ (chain.at(-2))),
    });
  }
  /** @type {Map<string, number>} */
  const portX = new Map();
  /** @type {(map: Ports, kind: 'in' | 'out') => void} */
  const spread = (map, kind) => {
    for (const [id, list] of map) {
      list.sort((a, b) => a.towards - b.towards);
      const n = get(nodeById, id);
      const step = Math.min(18, (n.w - 24) / Math.max(1, list.length));
      list.forEach((p, i) => {
        portX.set(`${kind}:${p.edgeId}`, centre(id) + (i - (list.length - 1) / 2) * step);
      });
    }
  };
  spread(portsOut, 'out');
  spread(portsIn, 'in');

  /** @type {LaidOutEdge[]} */
  const edges = graph.edges.map((e) => {
    const chain = chains.get(e.id);
    if (!chain) {
      const n = get(nodeById, e.from); // a state whose only transition is to itself
      const points = [
        { x: n.x + n.w, y: n.y + n.h * 0.35 },
        { x: n.x + n.w + 24, y: n.y + n.h / 2 },
        { x: n.x + n.w, y: n.y + n.h * 0.65 },
      ];
      return {
        ...e,
        back: true,
        points,
        path: `M${points[0].x},${points[0].y} Q${points[1].x + 10},${points[1].y} ${points[2].x},${points[2].y}`,
        labelAt: { x: n.x + n.w + 28, y: n.y + n.h / 2 },
      };
    }
    const first = get(nodeById, chain[0]);
    const last = get(nodeById, lastOf(chain));
    let points = [{ x: get(portX, `out:${e.id}`), y: first.y + first.h }];
    for (const id of chain.slice(1, -1)) {
      const l = get(items, id).layer;
      points.push({ x: centre(id), y: rowTop[l] }, { x: centre(id), y: rowTop[l] + rowHeight[l] });
    }
    points.push({ x: get(portX, `in:${e.id}`), y: last.y });
    const isBack = back.has(e.id);
    if (isBack) points = points.reverse();
    let path = `M${points[0].x.toFixed(1)},${points[0].y.toFixed(1)}`;
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1];
      const b = points[i];
      if (Math.abs(a.x - b.x) < 0.5) path += ` L${b.x.toFixed(1)},${b.y.toFixed(1)}`;
      else {
        const my = (a.y + b.y) / 2;
        path += ` C${a.x.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`;
      }
    }
    // Labels sit just above the arrow into the target, where the edges of one source have spread apart.
    const end = isBack ? points[0] : lastOf(points);
    const labelAt = { x: end.x, y: end.y - 10, maxChars: Math.max(8, Math.floor((last.w + 24) / 6.2)) };
    return { ...e, back: isBack, points, path, labelAt };
  });
  return { width: Math.ceil(width), height: Math.ceil(height), nodes, edges, crossings: bestCrossings };
}
