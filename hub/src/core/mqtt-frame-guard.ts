/** The MQTT frame guard moved to protocol/ (the agent uses it too); kept here for the hub's imports. */
export { MqttFrameGuard, type GuardVerdict } from '@edgefleet/protocol';
