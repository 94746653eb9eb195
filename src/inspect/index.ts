/**
 * inspect/ — the model's state printed in the real tools' own formats, byte for byte: `ip route`,
 * `ip route get`, `ip neigh`, `ip -d link`, and their `ip -j` JSON shapes.
 */
export { ipLink, type LinkJson, linkJson } from './ip-link.js';
export { ipNeigh, type NeighJson, neighJson } from './ip-neigh.js';
export { ipRoute, ipRouteGet, type RouteJson, routeJson, routeLine } from './ip-route.js';
