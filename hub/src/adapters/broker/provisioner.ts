/**
 * Keeping the broker's own user list in step with the hub's devices. The embedded broker needs
 * none of it (it asks the hub's database on every CONNECT); an operator's Mosquitto with the
 * dynamic-security plugin gets each device's client and ACL from the hub (mosquitto-dynsec.ts).
 */
export interface BrokerProvisioner {
  readonly kind: 'none' | 'mosquitto-dynsec';
  /** before the device is stored (an account left under the id is replaced): a failure refuses the enrolment */
  deviceCreated(deviceId: string, secret: string): Promise<void>;
  /** before the new hash is stored; the broker ends the old secret's sessions */
  secretRotated(deviceId: string, secret: string): Promise<void>;
  /** after the device is marked decommissioned; the broker ends its sessions */
  deviceRemoved(deviceId: string): Promise<void>;
  /**
   * At start: removes broker clients the hub made for devices that are not in service (a crash
   * between the broker and the database leaves them). Returns how many it removed.
   */
  reconcile(inService: (deviceId: string) => Promise<boolean>): Promise<number>;
}

export const noProvisioning: BrokerProvisioner = {
  kind: 'none',
  deviceCreated: async () => undefined,
  secretRotated: async () => undefined,
  deviceRemoved: async () => undefined,
  reconcile: async () => 0,
};
