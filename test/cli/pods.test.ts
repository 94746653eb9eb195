import { describe, expect, it } from 'vitest';
import { cli, observed } from './helpers.js';

const FILE = 'test/fixtures/cni-node.yaml';
const CNI_OBSERVED = new URL('../kernel/OBSERVED-cni.md', import.meta.url);

describe('pods on a node, against the real plugins (test/kernel/OBSERVED-cni.md)', () => {
  it("show --pod prints the pod's routes exactly as Linux after the bridge plugin's ADD", async () => {
    const r = await cli('show', FILE, 'routes', '--pod', 'pa');
    expect(r.code).toBe(0);
    expect(r.outLines).toEqual(observed('pa$ ip route', CNI_OBSERVED).stdout);
  });

  it("show --node prints the node's main and local tables with cni0 as Linux does", async () => {
    const main = await cli('show', FILE, 'routes', '--node', 'node1');
    expect(main.outLines).toEqual(observed('node1$ ip route', CNI_OBSERVED).stdout);
    const local = await cli('show', FILE, 'routes', '--node', 'node1', '--table', 'local');
    expect(local.outLines).toEqual(observed('node1$ ip route show table local', CNI_OBSERVED).stdout);
  });

  it('show fdb lists each learned pod MAC behind its veth, with the trailing space', async () => {
    const r = await cli('show', FILE, 'fdb', '--node', 'node1', '--at', '2s');
    const learned = r.outLines.filter((l) => / master cni0 $/.test(l));
    expect(learned).toHaveLength(2);
    for (const l of learned)
      expect(l).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2} dev veth[0-9a-f]{8} master cni0 $/);
  });

  it("show ipam prints host-local's state directory: one file per address holding ID\\r\\nifname, and the cursor", async () => {
    const r = await cli('show', FILE, 'ipam', '--node', 'node1');
    expect(r.code).toBe(0);
    expect(r.outLines[0]).toBe('# /var/lib/cni/networks/cbr0');
    expect(r.outLines[1]).toMatch(/^10\.244\.1\.2 \$'[0-9a-f]{64}\\r\\neth0'$/);
    expect(r.outLines[2]).toMatch(/^10\.244\.1\.3 \$'[0-9a-f]{64}\\r\\neth0'$/);
    expect(r.outLines.slice(3)).toEqual(['last_reserved_ip.0 10.244.1.3', "lock ''"]);
  });

  it('get pods -o wide lists the pods as kubectl does, .2 and .3 on node1', async () => {
    const r = await cli('get', FILE, 'pods', '-o', 'wide', '--at', '5s');
    expect(r.code).toBe(0);
    expect(r.outLines).toEqual([
      'NAME   READY   STATUS    RESTARTS   AGE   IP           NODE    NOMINATED NODE   READINESS GATES',
      'pa     1/1     Running   0          5s    10.244.1.2   node1   <none>           <none>',
      'pb     1/1     Running   0          5s    10.244.1.3   node1   <none>           <none>',
    ]);
  });

  it('get pods in an empty namespace says so on stderr, as kubectl does', async () => {
    const r = await cli('get', 'topologies/two-racks.yaml', 'pods', '--at', '1s');
    expect(r.out).toBe('');
    expect(r.errLines).toEqual(['No resources found in default namespace.']);
  });

  it('show --pod names the known pods when the pod does not exist', async () => {
    const r = await cli('show', FILE, 'routes', '--pod', 'nope');
    expect(r.code).toBe(2);
    expect(r.errLines).toEqual([`--pod: no pod "nope" in ${FILE} (known: pa, pb)`]);
  });
});

describe('deleting a pod (a delete step)', () => {
  it('runs CNI DEL: the pod leaves get pods, its address file goes, the cursor stays', async () => {
    // The delete at 10s is graceful: SIGTERM, then the kubelet's CNI DEL a watch delay later.
    const pods = await cli('get', 'topologies/pods-on-a-node.yaml', 'pods', '--at', '11s');
    expect(pods.outLines.map((l) => l.split(/\s+/)[0])).toEqual(['NAME', 'pa', 'pc']);
    const ipam = await cli(
      'show',
      'topologies/pods-on-a-node.yaml',
      'ipam',
      '--node',
      'node1',
      '--at',
      '11s',
    );
    expect(ipam.outLines.map((l) => l.split(' ')[0])).toEqual([
      '#',
      '10.244.0.2',
      'last_reserved_ip.0',
      'lock',
    ]);
    expect(ipam.outLines).toContain('last_reserved_ip.0 10.244.0.3');
  });

  it('prints the step as kubectl does', async () => {
    const r = await cli('run', 'topologies/pods-on-a-node.yaml', '--until', '10s');
    const at = r.outLines.indexOf('[10.000000] $ kubectl delete pod pb');
    expect(at).toBeGreaterThan(0);
    expect(r.outLines[at + 1]).toBe('pod "pb" deleted from default namespace');
  });
});

describe('a node out of pod addresses', () => {
  it('leaves the sixth pod of a /29 podCIDR in ContainerCreating, and says why in the run report', async () => {
    const pods = await cli('get', 'test/fixtures/small-podcidr.yaml', 'pods', '-o', 'wide');
    expect(pods.outLines.at(-1)).toMatch(/^p6\s+0\/1\s+ContainerCreating\s+0\s+\S+\s+<none>\s+node1\s/);
    const run = await cli('run', 'test/fixtures/small-podcidr.yaml');
    expect(run.outLines[1]).toMatch(
      /^pod default\/p6 on node1: ContainerCreating: Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "[0-9a-f]{64}": plugin type="flannel" failed \(add\): failed to allocate for range 0: no IP addresses available in range set: 10\.244\.0\.1-10\.244\.0\.6$/,
    );
  });
});
