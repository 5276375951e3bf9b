export const START: '__start__';
export const END: '__end__';
export type EdgeKind = 'next' | 'choice' | 'default' | 'catch' | 'end';
export interface GraphNode {
  id: string;
  label: string;
  kind: 'start' | 'end' | 'state';
  type?: string;
  sub?: string;
}
export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  label: string;
  title: string;
}
export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}
export interface Point {
  x: number;
  y: number;
}
export interface Layout {
  width: number;
  height: number;
  nodes: (GraphNode & { x: number; y: number; w: number; h: number; layer: number })[];
  edges: (GraphEdge & { points: Point[]; path: string; labelAt: Point; back: boolean })[];
  crossings: number;
}
export function describeRule(rule: unknown): string;
export function workflowGraph(definition: unknown, functions?: Record<string, string>): Graph;
export function layoutGraph(graph: Graph, options?: Record<string, number>): Layout;
