import { startService } from './shared/service.ts';
import { DEMO_SERVICE_NAMES, type DemoServiceDefinition, type DemoServiceHandle, type DemoServiceName, type DemoServiceOptions } from './shared/types.ts';
import { chat } from './chat/index.ts';
import { drive } from './drive/index.ts';
import { tracker } from './tracker/index.ts';

export { DEMO_PEOPLE, type DemoPerson } from './shared/people.ts';
export { DEMO_SERVICE_NAMES };
export type { DemoScopes, DemoServiceHandle, DemoServiceListing, DemoServiceName, DemoServiceOptions, DemoServiceStats } from './shared/types.ts';

const DEFINITIONS: Record<DemoServiceName, DemoServiceDefinition> = { tracker, chat, drive };

export function isDemoServiceName(name: string): name is DemoServiceName {
  return (DEMO_SERVICE_NAMES as readonly string[]).includes(name);
}

/** Starts one demo service (its authorization server and MCP endpoint on one port). */
export function startDemoService(name: DemoServiceName, options: DemoServiceOptions = {}): Promise<DemoServiceHandle> {
  return startService(DEFINITIONS[name], options);
}

/**
 * Starts all three demo services with the same options. `port`, when given, is the first service's preferred
 * port and the others take the next ones; without it each prefers its own default. On a failure the services
 * already started are closed again.
 */
export async function startDemoServices(options: DemoServiceOptions = {}): Promise<DemoServiceHandle[]> {
  const handles: DemoServiceHandle[] = [];
  try {
    for (const [index, name] of DEMO_SERVICE_NAMES.entries()) {
      const port = options.port === undefined || options.port === 0 ? options.port : options.port + index;
      handles.push(await startDemoService(name, { ...options, port }));
    }
  } catch (error) {
    await Promise.allSettled(handles.map((h) => h.close()));
    throw error;
  }
  return handles;
}
