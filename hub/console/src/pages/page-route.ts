import type { ComponentType } from 'preact';

/** One console page at a hash path (`#/devices/abc`); wouter passes the path's parameters. */
export interface PageRoute {
  path: string;
  component: ComponentType<{ params: Record<string, string | undefined> }>;
}
