/**
 * Starts the servers the Redis tests share: one standalone `redis-server` and one 3-master Redis
 * Cluster, each on free loopback ports, and stops them after the run. Test files read their
 * addresses with `inject('redis')`. Fails the whole run (never skips) when `redis-server` is missing.
 */
import type { TestProject } from 'vitest/node';
import { startRedisCluster, startRedisServer } from './redis-server.js';

/** What the shared servers look like to the test files. */
export interface SharedRedis {
  /** Port of the standalone server on 127.0.0.1. */
  single: number;
  /** Ports of the cluster's masters on 127.0.0.1. */
  cluster: number[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    redis: SharedRedis;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [single, cluster] = await Promise.all([startRedisServer(), startRedisCluster({ masters: 3 })]);
  project.provide('redis', { single: single.port, cluster: cluster.nodes.map((n) => n.port) });
  return async () => {
    await Promise.all([single.stop(), cluster.stop()]);
  };
}
