import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  assertRedisInstalled,
  isAnswering,
  RedisServerMissingError,
  redisCli,
  startRedisCluster,
  startRedisServer,
  startRedisServers,
} from './support/redis-server.js';

describe('the redis-server test harness', () => {
  it('fails loudly, never skips, when redis-server is missing', () => {
    expect(() => assertRedisInstalled({ PATH: '/nonexistent' })).toThrow(RedisServerMissingError);
    expect(() => assertRedisInstalled({ PATH: '/nonexistent' })).toThrow(/apt-get install -y redis-server/);
    expect(() => assertRedisInstalled()).not.toThrow();
  });

  it('starts independent instances on distinct free loopback ports, with no persistence', async () => {
    const servers = await startRedisServers(3);
    try {
      expect(new Set(servers.map((s) => s.port)).size).toBe(3);
      for (const server of servers) {
        expect(server.port).not.toBe(6379);
        expect(await server.cli('PING')).toBe('PONG');
        expect(await server.cli('CONFIG', 'GET', 'save')).toBe('save');
        expect(await server.cli('CONFIG', 'GET', 'appendonly')).toBe('appendonly\nno');
      }
      await servers[0]!.cli('SET', 'only-here', '1');
      expect(await servers[1]!.cli('EXISTS', 'only-here')).toBe('0');
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });

  it('kills, restarts on the same port, freezes and stops', async () => {
    const server = await startRedisServer();
    const { port, dir } = server;
    expect(server.running).toBe(true);
    await server.kill();
    expect(server.running).toBe(false);
    expect(server.pid).toBeUndefined();
    await expect(redisCli(port, 'PING')).rejects.toThrow();
    await server.restart();
    expect(server.port).toBe(port);
    expect(await server.cli('PING')).toBe('PONG');
    server.freeze();
    expect(await isAnswering(port, 300)).toBe(false);
    server.thaw();
    expect(await server.cli('PING')).toBe('PONG');
    await server.stop();
    await server.stop();
    expect(server.running).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await expect(server.restart()).rejects.toThrow(/stopped for good/);
  });

  it('builds a 3-master cluster whose nodes can be killed and restarted', async () => {
    const cluster = await startRedisCluster();
    try {
      const slots = await cluster.nodes[0]!.cli('CLUSTER', 'INFO');
      expect(slots).toContain('cluster_slots_assigned:16384');
      expect(slots).toContain('cluster_size:3');
      await cluster.nodes[1]!.kill();
      await cluster.nodes[1]!.restart();
      // it comes back with its saved cluster config and slots
      await cluster.waitHealthy();
      expect(await cluster.nodes[1]!.cli('CLUSTER', 'INFO')).toContain('cluster_state:ok');
    } finally {
      await cluster.stop();
    }
  });
});
