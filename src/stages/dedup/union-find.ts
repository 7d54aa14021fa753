/**
 * Union-find over document ordinals in an Int32Array. The root of a set is always its smallest
 * member (unions link the larger root under the smaller), so the components and their roots
 * depend only on the edges, never on the order they arrive in: clusters are the same whether the
 * edges come from one process or from many bucket tasks.
 */
export class UnionFind {
  readonly parent: Int32Array;

  constructor(readonly size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
  }

  find(x: number): number {
    const parent = this.parent;
    while (parent[x] !== x) {
      // Path halving: every other node on the path skips to its grandparent.
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }
}

/**
 * Union-find plus, for each of the first `documents` nodes, its smallest neighbour: the document
 * it was matched with directly, which the report shows next to the kept one. A minimum, so it too
 * is independent of the order of the edges.
 */
export class Graph {
  readonly uf: UnionFind;
  readonly partner: Int32Array;

  constructor(
    readonly documents: number,
    extraNodes = 0,
  ) {
    this.uf = new UnionFind(documents + extraNodes);
    this.partner = new Int32Array(documents).fill(-1);
  }

  add(a: number, b: number): void {
    this.uf.union(a, b);
    const n = this.documents;
    if (a < n && b < n) {
      if (this.partner[a] < 0 || b < this.partner[a]) this.partner[a] = b;
      if (this.partner[b] < 0 || a < this.partner[b]) this.partner[b] = a;
    }
  }
}
