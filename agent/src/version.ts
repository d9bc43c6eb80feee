/** Reported in every state message (`agent.version`) and by `edgefleet-agent --version`; agent/test/version.test.ts holds it to agent/package.json. */
export const AGENT_VERSION = '0.1.0';
