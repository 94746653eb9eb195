// Layering of src/ (DESIGN.md "Layers", style/EXAMPLES.md §2). Each layer lists what it may import;
// anything else, any cycle, and any reach into another layer's files past its index.ts is an error.
const layers = {
  sim: [],
  wire: [],
  capture: ['sim', 'wire'],
  'net/dev': ['sim', 'wire'],
  net: ['sim', 'wire', 'net/dev'],
  netfilter: ['sim', 'wire'],
  cni: ['sim', 'wire', 'net', 'net/dev', 'netfilter'],
  flannel: ['sim', 'wire', 'net', 'net/dev', 'netfilter'],
  apps: ['sim', 'wire', 'net'],
  k8s: ['sim', 'wire', 'net', 'net/dev', 'netfilter', 'cni', 'flannel', 'apps'],
  topology: ['sim', 'wire', 'net', 'net/dev', 'netfilter', 'cni', 'flannel', 'apps', 'k8s', 'capture'],
  inspect: ['sim', 'wire', 'net', 'net/dev', 'netfilter', 'cni', 'flannel', 'apps', 'k8s'],
  testing: ['sim', 'wire', 'net', 'net/dev', 'netfilter', 'cni', 'flannel', 'apps', 'k8s', 'topology'],
  cli: ['sim', 'wire', 'net', 'net/dev', 'netfilter', 'cni', 'flannel', 'apps', 'k8s', 'topology', 'inspect', 'capture'],
};
const esc = (s) => s.replace('/', '\\/');
// A layer's own files: src/net/ without src/net/dev/ counts as "net".
const own = (layer) => (layer === 'net' ? '^src/net/(?!dev/)' : `^src/${esc(layer)}/`);
const allowedTargets = (layer) => [layer, ...layers[layer]].map(own).join('|');

module.exports = {
  forbidden: [
    { name: 'no-cycle', severity: 'error', from: {}, to: { circular: true } },
    ...Object.keys(layers).map((layer) => ({
      name: `layer-${layer}`,
      comment: `src/${layer} may import only: ${layers[layer].join(', ') || 'nothing'}`,
      severity: 'error',
      from: { path: own(layer) },
      to: { path: '^src/', pathNot: allowedTargets(layer) },
    })),
    {
      name: 'through-index',
      comment: 'cross-layer imports go through the layer index.ts',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/net/dev/index\\.ts$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(node_modules|dist)' },
  },
};
