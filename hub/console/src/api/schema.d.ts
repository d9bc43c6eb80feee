/** Generated from GET /api/v1/openapi.json by `npm run api-types` (hub/src/console/api-types.ts). Do not edit. */
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness probe */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the hub is up */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @constant */
                            status: "ok";
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OpenAPI 3.1 */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List devices: all, or a page (limit, cursor) in id order, filtered by ring, tag, status, assigned model and version, or id text */
        get: {
            parameters: {
                query?: {
                    /** @description devices per page (at most 500); without it, every matching device */
                    limit?: number;
                    /** @description the previous page's nextCursor */
                    cursor?: string;
                    ring?: string;
                    /** @description key:value: devices carrying this tag with this value */
                    tag?: string;
                    status?: "online" | "offline" | "decommissioned";
                    /** @description assigned this model */
                    model?: string;
                    /** @description assigned this version (with model) */
                    version?: string;
                    /** @description ids containing this text, case-insensitively */
                    q?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the devices */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            devices: {
                                id: string;
                                ring: string;
                                tags: {
                                    [key: string]: string;
                                };
                                createdAt: string;
                                /** @description when DELETE /api/v1/devices/{id} took it out of service; null while in service */
                                decommissionedAt: string | null;
                                online: boolean;
                                lastSeenAt: string | null;
                                lastErrorCode: string | null;
                                state: {
                                    device: string;
                                    seq: number;
                                    /** @enum {string} */
                                    phase: "idle" | "downloading" | "verifying" | "loading" | "probing" | "serving" | "failed";
                                    active: {
                                        model: string;
                                        version: string;
                                        sha256: string;
                                    } | null;
                                    previous: {
                                        model: string;
                                        version: string;
                                        sha256: string;
                                    } | null;
                                    shadow?: {
                                        model: string;
                                        version: string;
                                        sha256: string;
                                    } | null;
                                    error: {
                                        /** @enum {string} */
                                        code: "E_SIG_INVALID" | "E_SIG_UNTRUSTED" | "E_WRONG_TYPE" | "E_EXPIRED" | "E_ROLLBACK" | "E_DOWNGRADE_NOT_AUTHORIZED" | "E_HASH_MISMATCH" | "E_LENGTH_MISMATCH" | "E_TOO_LARGE" | "E_SLOW_RETRIEVAL" | "E_DOWNLOAD_FAILED" | "E_NOT_FOR_DEVICE" | "E_INCOMPATIBLE" | "E_LOAD_FAILED" | "E_PROBE_FAILED" | "E_SCHEMA" | "E_BAD_JSON" | "E_BAD_PATH" | "E_ROOT_CHAIN" | "E_TRUST_STATE" | "E_NO_MODEL" | "E_INFERENCE";
                                        message: string;
                                    } | null;
                                    agent: {
                                        version: string;
                                        runtime: string;
                                        freeDiskBytes?: number;
                                    };
                                    /** Format: date-time */
                                    at: string;
                                } | null;
                                assignment: {
                                    model: string;
                                    version: string;
                                    seq: number;
                                    assignedAt: string;
                                    shadow: {
                                        model: string;
                                        version: string;
                                    } | null;
                                } | null;
                            }[];
                            /** @description pass as `cursor` for the next page; null on the last page (and without `limit`) */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Enrol a device; its secret is returned once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        id: string;
                        /** @default default */
                        ring?: string;
                        /** @default {} */
                        tags?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description enrolled */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description shown once; stored only as a keyed hash (HMAC-SHA256) */
                            secret: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/devices/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One device with its reported state and assignment */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the device */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            ring: string;
                            tags: {
                                [key: string]: string;
                            };
                            createdAt: string;
                            /** @description when DELETE /api/v1/devices/{id} took it out of service; null while in service */
                            decommissionedAt: string | null;
                            online: boolean;
                            lastSeenAt: string | null;
                            lastErrorCode: string | null;
                            state: {
                                device: string;
                                seq: number;
                                /** @enum {string} */
                                phase: "idle" | "downloading" | "verifying" | "loading" | "probing" | "serving" | "failed";
                                active: {
                                    model: string;
                                    version: string;
                                    sha256: string;
                                } | null;
                                previous: {
                                    model: string;
                                    version: string;
                                    sha256: string;
                                } | null;
                                shadow?: {
                                    model: string;
                                    version: string;
                                    sha256: string;
                                } | null;
                                error: {
                                    /** @enum {string} */
                                    code: "E_SIG_INVALID" | "E_SIG_UNTRUSTED" | "E_WRONG_TYPE" | "E_EXPIRED" | "E_ROLLBACK" | "E_DOWNGRADE_NOT_AUTHORIZED" | "E_HASH_MISMATCH" | "E_LENGTH_MISMATCH" | "E_TOO_LARGE" | "E_SLOW_RETRIEVAL" | "E_DOWNLOAD_FAILED" | "E_NOT_FOR_DEVICE" | "E_INCOMPATIBLE" | "E_LOAD_FAILED" | "E_PROBE_FAILED" | "E_SCHEMA" | "E_BAD_JSON" | "E_BAD_PATH" | "E_ROOT_CHAIN" | "E_TRUST_STATE" | "E_NO_MODEL" | "E_INFERENCE";
                                    message: string;
                                } | null;
                                agent: {
                                    version: string;
                                    runtime: string;
                                    freeDiskBytes?: number;
                                };
                                /** Format: date-time */
                                at: string;
                            } | null;
                            assignment: {
                                model: string;
                                version: string;
                                seq: number;
                                assignedAt: string;
                                shadow: {
                                    model: string;
                                    version: string;
                                } | null;
                            } | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Decommission a device: it can no longer authenticate, its session and assignment end, rollouts let go of it; its history stays (idempotent) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description decommissioned */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            decommissionedAt: string;
                            /** @description whether this call ended a live MQTT session (false on a repeat, and with an external broker) */
                            sessionEnded: boolean;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Move a device to another ring and/or replace its tags (rollouts that reached the new ring pick it up) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        ring?: string;
                        tags?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description the device */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            ring: string;
                            tags: {
                                [key: string]: string;
                            };
                            createdAt: string;
                            /** @description when DELETE /api/v1/devices/{id} took it out of service; null while in service */
                            decommissionedAt: string | null;
                            online: boolean;
                            lastSeenAt: string | null;
                            lastErrorCode: string | null;
                            state: {
                                device: string;
                                seq: number;
                                /** @enum {string} */
                                phase: "idle" | "downloading" | "verifying" | "loading" | "probing" | "serving" | "failed";
                                active: {
                                    model: string;
                                    version: string;
                                    sha256: string;
                                } | null;
                                previous: {
                                    model: string;
                                    version: string;
                                    sha256: string;
                                } | null;
                                shadow?: {
                                    model: string;
                                    version: string;
                                    sha256: string;
                                } | null;
                                error: {
                                    /** @enum {string} */
                                    code: "E_SIG_INVALID" | "E_SIG_UNTRUSTED" | "E_WRONG_TYPE" | "E_EXPIRED" | "E_ROLLBACK" | "E_DOWNGRADE_NOT_AUTHORIZED" | "E_HASH_MISMATCH" | "E_LENGTH_MISMATCH" | "E_TOO_LARGE" | "E_SLOW_RETRIEVAL" | "E_DOWNLOAD_FAILED" | "E_NOT_FOR_DEVICE" | "E_INCOMPATIBLE" | "E_LOAD_FAILED" | "E_PROBE_FAILED" | "E_SCHEMA" | "E_BAD_JSON" | "E_BAD_PATH" | "E_ROOT_CHAIN" | "E_TRUST_STATE" | "E_NO_MODEL" | "E_INFERENCE";
                                    message: string;
                                } | null;
                                agent: {
                                    version: string;
                                    runtime: string;
                                    freeDiskBytes?: number;
                                };
                                /** Format: date-time */
                                at: string;
                            } | null;
                            assignment: {
                                model: string;
                                version: string;
                                seq: number;
                                assignedAt: string;
                                shadow: {
                                    model: string;
                                    version: string;
                                } | null;
                            } | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/devices/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The latest events a device reported (install, rollback, errors), newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description up to 50 events */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            events: {
                                eventId: string;
                                kind: string;
                                code: string | null;
                                at: string;
                                receivedAt: string;
                                body: {
                                    id: string;
                                    device: string;
                                    /** @enum {string} */
                                    kind: "doc-rejected" | "install-started" | "installed" | "activated" | "rollback" | "install-failed" | "stale" | "shadow-loaded" | "shadow-failed";
                                    /** Format: date-time */
                                    at: string;
                                    seq?: number;
                                    model?: {
                                        model: string;
                                        version: string;
                                        sha256: string;
                                    } | null;
                                    error?: {
                                        /** @enum {string} */
                                        code: "E_SIG_INVALID" | "E_SIG_UNTRUSTED" | "E_WRONG_TYPE" | "E_EXPIRED" | "E_ROLLBACK" | "E_DOWNGRADE_NOT_AUTHORIZED" | "E_HASH_MISMATCH" | "E_LENGTH_MISMATCH" | "E_TOO_LARGE" | "E_SLOW_RETRIEVAL" | "E_DOWNLOAD_FAILED" | "E_NOT_FOR_DEVICE" | "E_INCOMPATIBLE" | "E_LOAD_FAILED" | "E_PROBE_FAILED" | "E_SCHEMA" | "E_BAD_JSON" | "E_BAD_PATH" | "E_ROOT_CHAIN" | "E_TRUST_STATE" | "E_NO_MODEL" | "E_INFERENCE";
                                        message: string;
                                    };
                                };
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/devices/{id}/assignment": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Pin a device to a model version, optionally with a shadow version run beside it (signed deployment doc, published retained) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        model: string;
                        version: string;
                        /** @description a version (of this or any model) the device runs in shadow mode on the same inputs, never serving it, reporting agreement and latency; absent or null: none */
                        shadow?: {
                            model: string;
                            version: string;
                        } | null;
                        /** @description ramp-up: the share of requests the shadow answers instead of the version (sticky by request key); needs a shadow; absent or null: the shadow only runs beside */
                        trafficShare?: number | null;
                    };
                };
            };
            responses: {
                /** @description assigned */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            device: string;
                            model: string;
                            version: string;
                            seq: number;
                            shadow: {
                                model: string;
                                version: string;
                            } | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/devices/{id}/secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rotate a device's secret: the new one is returned once, the old one stops working at once and its live MQTT session is ended */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the new secret */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @description shown once; stored only as a keyed hash (HMAC-SHA256) */
                            secret: string;
                            /** @description whether the device's live MQTT session was ended (always false with an external broker, which must drop it itself) */
                            sessionEnded: boolean;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/enrolment-tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Browser enrolment tokens with their use and state (never the tokens) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the tokens */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description newest first; the tokens themselves are never shown again */
                            tokens: {
                                /** Format: uuid */
                                id: string;
                                ring: string;
                                tags: {
                                    [key: string]: string;
                                };
                                label: string;
                                maxEnrolments: number;
                                used: number;
                                remaining: number;
                                /**
                                 * @description revoked, else expired, else exhausted (no enrolments left), else active
                                 * @enum {string}
                                 */
                                state: "active" | "expired" | "revoked" | "exhausted";
                                createdAt: string;
                                expiresAt: string;
                                revokedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Issue a browser enrolment token (scoped to a ring, a number of enrolments and a lifetime); the token is returned once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description the ring every device it enrols joins */
                        ring: string;
                        /** @description how many pages may enrol with it */
                        maxEnrolments: number;
                        /** @description how long it stays usable, in seconds (60 s to 30 days) */
                        ttlS: number;
                        /**
                         * @description the operator's note: what or whom it is for
                         * @default
                         */
                        label?: string;
                        /**
                         * @description tags for the devices it enrols, beside kind: 'browser'
                         * @default {}
                         */
                        tags?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description issued */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            ring: string;
                            tags: {
                                [key: string]: string;
                            };
                            label: string;
                            maxEnrolments: number;
                            used: number;
                            remaining: number;
                            /**
                             * @description revoked, else expired, else exhausted (no enrolments left), else active
                             * @enum {string}
                             */
                            state: "active" | "expired" | "revoked" | "exhausted";
                            createdAt: string;
                            expiresAt: string;
                            revokedAt: string | null;
                            /** @description shown once: the hub keeps only its SHA-256 */
                            token: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/enrolment-tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an enrolment token: it enrols nobody from now on; devices it enrolled stay (idempotent) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description revoked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            ring: string;
                            tags: {
                                [key: string]: string;
                            };
                            label: string;
                            maxEnrolments: number;
                            used: number;
                            remaining: number;
                            /**
                             * @description revoked, else expired, else exhausted (no enrolments left), else active
                             * @enum {string}
                             */
                            state: "active" | "expired" | "revoked" | "exhausted";
                            createdAt: string;
                            expiresAt: string;
                            revokedAt: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/device/v1/enrol": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A browser enrols itself with an enrolment token: a new device of its ring, tagged kind: browser; the secret is returned once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        token: string;
                    };
                };
            };
            responses: {
                /** @description enrolled */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description the new device id (web-...) */
                            id: string;
                            /** @description shown once; stored only as a keyed hash (HMAC-SHA256) */
                            secret: string;
                            ring: string;
                            /** @description the hub's public URL */
                            hubUrl: string;
                            /** @description MQTT over WebSocket, where the page connects with id and secret */
                            mqttWsUrl: string;
                        };
                    };
                };
                /** @description the token cannot be used (unknown, expired, revoked or used up: deliberately not said which) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description too many failed enrolments from this address; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin-tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Admin tokens with their scope, state and last use (never the tokens) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the tokens */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description newest first; the tokens themselves are never shown again */
                            tokens: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                /** @enum {string} */
                                scope: "read" | "operator" | "admin";
                                /**
                                 * @description revoked, else expired, else active
                                 * @enum {string}
                                 */
                                state: "active" | "expired" | "revoked";
                                createdAt: string;
                                /** @description the audit actor that created it */
                                createdBy: string;
                                /** @description to the minute */
                                lastUsedAt: string | null;
                                expiresAt: string | null;
                                rotatedAt: string | null;
                                revokedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create an admin token of scope read, operator or admin, optionally expiring; the token is returned once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description who or what holds it; the audit trail names its actions token:<name>; unique for good */
                        name: string;
                        /**
                         * @description read: reads (GET) of the admin API; operator: reads, rollouts, rings, assignments, placement, alerts, feedback, jobs, models, datasets, training and quantization; admin: everything, including devices (enrol, secret, decommission), enrolment tokens, admin tokens and trust
                         * @enum {string}
                         */
                        scope: "read" | "operator" | "admin";
                        /** @description seconds it stays valid (60 s to 366 days); absent: until revoked */
                        ttlS?: number;
                    };
                };
            };
            responses: {
                /** @description created */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            /** @enum {string} */
                            scope: "read" | "operator" | "admin";
                            /**
                             * @description revoked, else expired, else active
                             * @enum {string}
                             */
                            state: "active" | "expired" | "revoked";
                            createdAt: string;
                            /** @description the audit actor that created it */
                            createdBy: string;
                            /** @description to the minute */
                            lastUsedAt: string | null;
                            expiresAt: string | null;
                            rotatedAt: string | null;
                            revokedAt: string | null;
                            /** @description shown once: the hub keeps only its SHA-256 */
                            token: string;
                        };
                    };
                };
                /** @description the name is taken (also by a revoked token), or too many live tokens */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin-tokens/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new secret for an active token, returned once: the old one is refused from now on, and console sessions it opened end */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description rotated */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            /** @enum {string} */
                            scope: "read" | "operator" | "admin";
                            /**
                             * @description revoked, else expired, else active
                             * @enum {string}
                             */
                            state: "active" | "expired" | "revoked";
                            createdAt: string;
                            /** @description the audit actor that created it */
                            createdBy: string;
                            /** @description to the minute */
                            lastUsedAt: string | null;
                            expiresAt: string | null;
                            rotatedAt: string | null;
                            revokedAt: string | null;
                            /** @description shown once: the hub keeps only its SHA-256 */
                            token: string;
                        };
                    };
                };
                /** @description the token is revoked or expired */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin-tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an admin token: refused from now on, its console sessions end (idempotent) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description revoked */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            /** @enum {string} */
                            scope: "read" | "operator" | "admin";
                            /**
                             * @description revoked, else expired, else active
                             * @enum {string}
                             */
                            state: "active" | "expired" | "revoked";
                            createdAt: string;
                            /** @description the audit actor that created it */
                            createdBy: string;
                            /** @description to the minute */
                            lastUsedAt: string | null;
                            expiresAt: string | null;
                            rotatedAt: string | null;
                            revokedAt: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Upload an ONNX model as a new version; it must load and pass a probe run */
        post: {
            parameters: {
                query?: {
                    /** @description version label; defaults to the release counter */
                    version?: string;
                    /** @description JSON {"<input>": {"dims": [..], "data"?: [..]}} giving probe shapes and values */
                    probe?: string;
                    /** @description a dataset id: run the model on a sample of its rows and sign the drift reference profile they give into the release */
                    referenceDataset?: string;
                    /** @description with referenceDataset: the numeric dataset columns feeding the model input, in input column order (default: every numeric column in file order but target) */
                    columns?: string;
                    /** @description with referenceDataset: a column to leave out of the default columns (the label) */
                    target?: string;
                    /** @description id of sample inputs stored with POST /api/v1/sample-inputs: the probe is their first sample, and quantization calibrates and is judged on them */
                    samples?: string;
                };
                header?: never;
                path: {
                    model: string;
                };
                cookie?: never;
            };
            /** @description the ONNX file */
            requestBody: {
                content: {
                    "application/octet-stream": string;
                };
            };
            responses: {
                /** @description stored, signed release */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: string;
                            version: string;
                            sha256: string;
                            size: number;
                            releaseCounter: number;
                            io: {
                                inputs: {
                                    name: string;
                                    /** @enum {string} */
                                    type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                    shape: (number | string)[];
                                }[];
                                outputs: {
                                    name: string;
                                    /** @enum {string} */
                                    type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                    shape: (number | string)[];
                                }[];
                            };
                            /** @description what the reference profile was built from; null without referenceDataset */
                            reference: {
                                dataset: string;
                                columns: string[];
                                /** @description dataset rows sampled (at most 10,000) */
                                rows: number;
                                /** @description of those, rows without a missing value, which the model ran on */
                                modelRows: number;
                                outputs: {
                                    name: string;
                                    /** @enum {string} */
                                    kind: "class" | "numeric";
                                }[];
                                ood: string | null;
                            } | null;
                            /** @description the sample inputs of this version; null without samples */
                            samples: {
                                id: string;
                                count: number;
                                inputs: string[];
                                /** @description the file has a labels array (class indices) */
                                labels: boolean;
                            } | null;
                            warnings: string[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sample-inputs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Store real sample inputs for a model (numpy .npy, or .npz with one array per input name and optional "labels"; first axis = samples; at most 67108864 bytes) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description the .npy or .npz file */
            requestBody: {
                content: {
                    "application/octet-stream": string;
                };
            };
            responses: {
                /** @description stored, content-addressed */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description name the file with ?samples= on a model upload */
                            id: string;
                            /** @enum {string} */
                            format: "npy" | "npz";
                            size: number;
                            arrays: {
                                /** @description '' for a .npy's single array */
                                name: string;
                                dtype: string;
                                shape: number[];
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sample-inputs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete stored sample inputs; 409 E_IN_USE while a version not deleted was uploaded with them (its lineage names them: quantization calibrates on them) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the file is gone */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @constant */
                            deleted: true;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List models and their versions (deleted versions never; archived ones with ?archived=true) */
        get: {
            parameters: {
                query?: {
                    /** @description true: archived ones too (each with archivedAt); deleted ones are never listed */
                    archived?: "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description models */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            models: {
                                name: string;
                                createdAt: string;
                                versions: {
                                    version: string;
                                    releaseCounter: number;
                                    sha256: string;
                                    size: number;
                                    createdAt: string;
                                    /** @description set while archived (listed only with ?archived=true) */
                                    archivedAt: string | null;
                                }[];
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One version with its io, probe and signed manifest (archived ones too; 404 once deleted) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the version */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: string;
                            version: string;
                            releaseCounter: number;
                            sha256: string;
                            size: number;
                            io: {
                                inputs: {
                                    name: string;
                                    /** @enum {string} */
                                    type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                    shape: (number | string)[];
                                }[];
                                outputs: {
                                    name: string;
                                    /** @enum {string} */
                                    type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                    shape: (number | string)[];
                                }[];
                            };
                            opset: number | null;
                            probe: {
                                inputs: {
                                    [key: string]: {
                                        /** @enum {string} */
                                        type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                        dims: number[];
                                        data: (number | boolean | string)[];
                                    };
                                };
                                expected: {
                                    [key: string]: {
                                        /** @enum {string} */
                                        type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                        dims: number[];
                                        data: (number | boolean | string)[];
                                    };
                                };
                                tolerance: {
                                    abs: number;
                                    rel: number;
                                };
                            };
                            createdAt: string;
                            /** @description set while archived: refused for new use, devices running it keep it */
                            archivedAt: string | null;
                            /** @description the release manifest, decoded from the signed envelope */
                            manifest: {
                                /** @constant */
                                type: "release";
                                /** @constant */
                                v: 1;
                                model: string;
                                version: string;
                                releaseCounter: number;
                                artifact: {
                                    sha256: string;
                                    size: number;
                                    url: string;
                                };
                                /** @constant */
                                format: "onnx";
                                /** @enum {string} */
                                quantization: "none" | "int8-dynamic" | "int8-static" | "int8-weight-only";
                                io: {
                                    inputs: {
                                        name: string;
                                        /** @enum {string} */
                                        type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                        shape: (number | string)[];
                                    }[];
                                    outputs: {
                                        name: string;
                                        /** @enum {string} */
                                        type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                        shape: (number | string)[];
                                    }[];
                                };
                                compat: {
                                    minRuntime?: string;
                                    opset?: number;
                                };
                                reference: {
                                    rows: number;
                                    features: ({
                                        name: string;
                                        /** @constant */
                                        kind: "numeric";
                                        source: {
                                            input: string;
                                            index: number;
                                        };
                                        bins: {
                                            edges: number[];
                                            counts: number[];
                                            underflow: number;
                                            overflow: number;
                                            missing: number;
                                            mean: number;
                                            sd: number;
                                        };
                                    } | {
                                        name: string;
                                        /** @constant */
                                        kind: "categorical";
                                        source: {
                                            input: string;
                                            index: number;
                                        };
                                        categories: string[];
                                        counts: number[];
                                        unseen: number;
                                        missing: number;
                                    })[];
                                    outputs: ({
                                        name: string;
                                        /** @constant */
                                        kind: "class";
                                        classes: string[];
                                        counts: number[];
                                        confidence?: {
                                            edges: number[];
                                            counts: number[];
                                            underflow: number;
                                            overflow: number;
                                            missing: number;
                                            mean: number;
                                            sd: number;
                                        };
                                    } | {
                                        name: string;
                                        /** @constant */
                                        kind: "numeric";
                                        bins: {
                                            edges: number[];
                                            counts: number[];
                                            underflow: number;
                                            overflow: number;
                                            missing: number;
                                            mean: number;
                                            sd: number;
                                        };
                                    })[];
                                    ood: {
                                        /** @enum {string} */
                                        score: "max-softmax" | "reconstruction-error" | "standardized-distance";
                                        bins: {
                                            edges: number[];
                                            counts: number[];
                                            underflow: number;
                                            overflow: number;
                                            missing: number;
                                            mean: number;
                                            sd: number;
                                        };
                                        p95: number;
                                        p99: number;
                                    } | null;
                                } | null;
                                probe: {
                                    inputs: {
                                        [key: string]: {
                                            /** @enum {string} */
                                            type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                            dims: number[];
                                            data: (number | boolean | string)[];
                                        };
                                    };
                                    expected: {
                                        [key: string]: {
                                            /** @enum {string} */
                                            type: "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "string" | "float16";
                                            dims: number[];
                                            data: (number | boolean | string)[];
                                        };
                                    };
                                    tolerance: {
                                        abs: number;
                                        rel: number;
                                    };
                                } | {
                                    sha256: string;
                                    size: number;
                                    tolerance: {
                                        abs: number;
                                        rel: number;
                                    };
                                };
                                lineage: {
                                    dataset?: string;
                                    params?: {
                                        [key: string]: unknown;
                                    };
                                    metrics?: {
                                        [key: string]: number;
                                    };
                                    baselineMetrics?: {
                                        [key: string]: number;
                                    };
                                    parent?: string;
                                    source?: string;
                                    codeVersion?: string;
                                };
                                /** Format: date-time */
                                createdAt: string;
                            };
                            /** @description the signed release manifest, exactly as agents receive it */
                            manifestEnvelope: {
                                payload: string;
                                signatures: {
                                    keyid: string;
                                    sig: string;
                                }[];
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a version: 409 E_IN_USE (details: devices, rollouts, runs) while a device in service runs it as active, previous or shadow, a rollout may still assign it or roll back to it, or a training run queued or running prunes or distils it. Its label is never reused; its file and probe blob go unless another version has the same bytes. Again: its tombstone (alreadyDeleted) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the tombstone and what became of its files */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: string;
                            version: string;
                            releaseCounter: number;
                            archivedAt: string | null;
                            deletedAt: string;
                            sha256: string;
                            /** @description deleted by an earlier call: this one only retried removing its files */
                            alreadyDeleted: boolean;
                            files: {
                                /** @description the model file */
                                artifact: {
                                    /** @constant */
                                    file: "removed";
                                } | {
                                    /** @constant */
                                    file: "absent";
                                } | {
                                    /** @constant */
                                    file: "kept";
                                    /** @description what still needs the same bytes (empty: removing failed; see the hub log) */
                                    neededBy: string[];
                                };
                                /** @description null: its probe rides inline in the manifest */
                                probeBlob: ({
                                    /** @constant */
                                    file: "removed";
                                } | {
                                    /** @constant */
                                    file: "absent";
                                } | {
                                    /** @constant */
                                    file: "kept";
                                    /** @description what still needs the same bytes (empty: removing failed; see the hub log) */
                                    neededBy: string[];
                                }) | null;
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/archive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Archive a version: hidden from lists, refused for new assignments, shadows, rollouts and quantization (409 E_ARCHIVED); devices running it keep it. Allowed while assigned; idempotent */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the version, archived */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: string;
                            version: string;
                            releaseCounter: number;
                            archivedAt: string | null;
                            deletedAt: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/unarchive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Bring an archived version back into use; idempotent */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the version, not archived */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: string;
                            version: string;
                            releaseCounter: number;
                            archivedAt: string | null;
                            deletedAt: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A version's prediction statistics merged by addition over devices and time */
        get: {
            parameters: {
                query?: {
                    /** @description only this device */
                    device?: string;
                    /** @description only devices in this ring */
                    ring?: string;
                    /** @description only devices with this tag, as key:value */
                    tag?: string;
                    /** @description start of the range (ISO); default 24 h before `to` */
                    from?: string;
                    /** @description end of the range (ISO); default now */
                    to?: string;
                };
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the merged window, null without data */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            from: string;
                            to: string;
                            devices: number;
                            windows: number;
                            merged: {
                                msgId: string;
                                device: string;
                                model: string;
                                version: string;
                                sha256: string;
                                /** Format: date-time */
                                windowStart: string;
                                /** Format: date-time */
                                windowEnd: string;
                                n: number;
                                errors: {
                                    [key: string]: number;
                                };
                                latencyMs: {
                                    counts: number[];
                                    underflow: number;
                                    overflow: number;
                                    missing: number;
                                    sum: number;
                                    sumSq: number;
                                    min: number | null;
                                    max: number | null;
                                };
                                features: ({
                                    /** @constant */
                                    kind: "numeric";
                                    counts: number[];
                                    underflow: number;
                                    overflow: number;
                                    missing: number;
                                    sum: number;
                                    sumSq: number;
                                    min: number | null;
                                    max: number | null;
                                } | {
                                    /** @constant */
                                    kind: "categorical";
                                    counts: number[];
                                    unseen: number;
                                    missing: number;
                                })[];
                                outputs: ({
                                    /** @constant */
                                    kind: "class";
                                    counts: number[];
                                    confidence: {
                                        counts: number[];
                                        underflow: number;
                                        overflow: number;
                                        missing: number;
                                        sum: number;
                                        sumSq: number;
                                        min: number | null;
                                        max: number | null;
                                    };
                                } | {
                                    /** @constant */
                                    kind: "numeric";
                                    counts: number[];
                                    underflow: number;
                                    overflow: number;
                                    missing: number;
                                    sum: number;
                                    sumSq: number;
                                    min: number | null;
                                    max: number | null;
                                })[];
                                ood: {
                                    score: {
                                        counts: number[];
                                        underflow: number;
                                        overflow: number;
                                        missing: number;
                                        sum: number;
                                        sumSq: number;
                                        min: number | null;
                                        max: number | null;
                                    };
                                    aboveP95: number;
                                    aboveP99: number;
                                } | null;
                                merged?: number;
                                lost?: number;
                                shadow?: {
                                    model: string;
                                    version: string;
                                    sha256: string;
                                    n: number;
                                    agree: number;
                                    errors: {
                                        [key: string]: number;
                                    };
                                    latencyMs: {
                                        counts: number[];
                                        underflow: number;
                                        overflow: number;
                                        missing: number;
                                        sum: number;
                                        sumSq: number;
                                        min: number | null;
                                        max: number | null;
                                    };
                                    dropped: number;
                                };
                            } | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/drift": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Drift of a version's merged statistics against its release reference profile */
        get: {
            parameters: {
                query?: {
                    /** @description only this device */
                    device?: string;
                    /** @description only devices in this ring */
                    ring?: string;
                    /** @description only devices with this tag, as key:value */
                    tag?: string;
                    /** @description start of the range (ISO); default 24 h before `to` */
                    from?: string;
                    /** @description end of the range (ISO); default now */
                    to?: string;
                };
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the verdict with its statistics and evidence */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            from: string;
                            to: string;
                            devices: number;
                            windows: number;
                            /** @enum {string} */
                            verdict: "ok" | "warning" | "drift" | "insufficient-data";
                            /** @description per-signal statistics, thresholds and evidence; null without data */
                            report: ({
                                /** @enum {string} */
                                verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                drifting: string[];
                                warnings: string[];
                                n: number;
                                features: {
                                    name: string;
                                    /** @enum {string} */
                                    kind: "numeric" | "categorical" | "class" | "confidence" | "ood";
                                    /** @enum {string} */
                                    verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                    n: number;
                                    pValue: number;
                                    /** @description after Holm across the report */
                                    adjustedPValue: number;
                                    /** @description psi, jensenShannon, ks, meanShift, ... (numeric); lInfinity, ... (categorical); rateP95, rateP99, ... (ood) */
                                    statistics: {
                                        [key: string]: number;
                                    };
                                    /** @description effect size -> the warning and drift thresholds applied */
                                    thresholds: {
                                        [key: string]: {
                                            warning: number;
                                            drift: number;
                                        };
                                    };
                                    evidence: string;
                                }[];
                                outputs: {
                                    name: string;
                                    /** @enum {string} */
                                    kind: "numeric" | "categorical" | "class" | "confidence" | "ood";
                                    /** @enum {string} */
                                    verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                    n: number;
                                    pValue: number;
                                    /** @description after Holm across the report */
                                    adjustedPValue: number;
                                    /** @description psi, jensenShannon, ks, meanShift, ... (numeric); lInfinity, ... (categorical); rateP95, rateP99, ... (ood) */
                                    statistics: {
                                        [key: string]: number;
                                    };
                                    /** @description effect size -> the warning and drift thresholds applied */
                                    thresholds: {
                                        [key: string]: {
                                            warning: number;
                                            drift: number;
                                        };
                                    };
                                    evidence: string;
                                }[];
                                /** @description the OOD score: statistics.rateP95 and rateP99 are the rates of rows beyond the reference p95 and p99 */
                                ood: {
                                    name: string;
                                    /** @enum {string} */
                                    kind: "numeric" | "categorical" | "class" | "confidence" | "ood";
                                    /** @enum {string} */
                                    verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                    n: number;
                                    pValue: number;
                                    /** @description after Holm across the report */
                                    adjustedPValue: number;
                                    /** @description psi, jensenShannon, ks, meanShift, ... (numeric); lInfinity, ... (categorical); rateP95, rateP99, ... (ood) */
                                    statistics: {
                                        [key: string]: number;
                                    };
                                    /** @description effect size -> the warning and drift thresholds applied */
                                    thresholds: {
                                        [key: string]: {
                                            warning: number;
                                            drift: number;
                                        };
                                    };
                                    evidence: string;
                                } | null;
                                evidence: string;
                            } & {
                                [key: string]: unknown;
                            }) | null;
                            /** @description each input feature's reference and current counts on the reference's bins, in the reference profile's order */
                            distributions: {
                                name: string;
                                /** @enum {string} */
                                kind: "numeric" | "categorical";
                                /** @description bin labels: numeric features `< first edge`, each [edge, next edge), `>= last edge`, `missing`; categorical ones each category, `unseen`, `missing` */
                                bins: string[];
                                /** @description reference profile counts per bin */
                                reference: number[];
                                /** @description counts per bin in the range and scope (all 0 without data) */
                                current: number[];
                            }[];
                            /** @description each hour with data in the range and scope, oldest first: that hour's statistics alone against the reference (not the scheduled job's persistence rule) */
                            hours: {
                                /** @description ISO start of the hour */
                                hour: string;
                                devices: number;
                                n: number;
                                /** @enum {string} */
                                verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                drifting: string[];
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/shadow": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Agreement with the served answers and latency of a version devices ran as a shadow (an assignment's `shadow`) */
        get: {
            parameters: {
                query?: {
                    /** @description only this device */
                    device?: string;
                    /** @description only devices in this ring */
                    ring?: string;
                    /** @description start of the range (ISO); default 24 h before `to` */
                    from?: string;
                    /** @description end of the range (ISO); default now */
                    to?: string;
                };
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description its shadow comparisons summed over devices and time */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: string;
                            version: string;
                            from: string;
                            to: string;
                            /** @description null when no device ran this version as a shadow in the range */
                            shadow: {
                                /** @description rows compared with the served answer */
                                n: number;
                                /** @description rows on which this version agreed (class outputs: the same predicted class; numeric: within the looser of the two probe tolerances) */
                                agree: number;
                                /** @description agree / n; null before any comparison */
                                agreement: number | null;
                                /** @description failed shadow runs by error code */
                                errors: {
                                    [key: string]: number;
                                };
                                /** @description requests the devices did not compare because their shadow queue was full */
                                dropped: number;
                                /** @description shadow run latency on the shared latency bins */
                                latencyMs: {
                                    counts: number[];
                                    underflow: number;
                                    overflow: number;
                                    missing: number;
                                    sum: number;
                                    sumSq: number;
                                    min: number | null;
                                    max: number | null;
                                };
                                /** @description 95th percentile of that latency (upper edge of its bin); null without runs */
                                latencyP95Ms: number | null;
                                devices: number;
                                windows: number;
                            } | null;
                            /** @description the same per serving version it was compared with */
                            against: {
                                model: string;
                                version: string;
                                n: number;
                                agree: number;
                                agreement: number | null;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/feedback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ground-truth labels for earlier predictions, by prediction id or as tallies per statistics window */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        labels: ({
                            /** @description an id from the agent’s POST /v1/predict `predictionIds` */
                            predictionId: string;
                            /** @description the true value: a class name, or a number for a regressor */
                            label: string | number;
                        } | {
                            /** @description the msgId of a statistics window the hub received */
                            window: string;
                            /** @description what the predictions in this tally predicted (one of the version’s classes for a classifier) */
                            predicted: string | number;
                            label: string | number;
                            /** @description predictions of that window with this (predicted, label); default 1; posting again replaces it */
                            count?: number;
                        })[];
                    };
                };
            };
            responses: {
                /** @description counts of accepted, duplicate and rejected items */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description labels stored, or changed (a corrected label, a recounted tally) */
                            accepted: number;
                            /** @description labels identical to what was already stored */
                            duplicates: number;
                            /** @description by index in `labels`; the other items are stored regardless */
                            rejected: {
                                index: number;
                                code: string;
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/accuracy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Accuracy (classifiers) or error (regressors) of a version measured on its labelled predictions, per device */
        get: {
            parameters: {
                query?: {
                    /** @description only this device */
                    device?: string;
                    /** @description only devices in this ring */
                    ring?: string;
                    /** @description predictions made at or after this (ISO); default: no bound */
                    from?: string;
                    /** @description predictions made before this (ISO); default: no bound */
                    to?: string;
                };
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description labelled count, accuracy or MAE, per-device rows and the confusion cells */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: string;
                            version: string;
                            /**
                             * @description regression when the reference profile has a numeric output and no class output
                             * @enum {string}
                             */
                            task: "classification" | "regression";
                            from: string | null;
                            to: string | null;
                            classes: string[] | null;
                            /** @description labelled predictions */
                            labelled: number;
                            /** @description classification: predicted value equals the label */
                            correct: number | null;
                            /** @description classification: correct / labelled; null without labels */
                            accuracy: number | null;
                            /** @description regression: mean absolute error; null without labels */
                            mae: number | null;
                            /** @description regression: root mean squared error */
                            rmse: number | null;
                            devices: {
                                device: string;
                                labelled: number;
                                correct: number | null;
                                accuracy: number | null;
                                mae: number | null;
                                rmse: number | null;
                            }[];
                            /** @description classification: labelled predictions per (predicted, label), most frequent first */
                            confusion: {
                                predicted: string;
                                label: string;
                                count: number;
                            }[] | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/alerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Drift alerts, newest first */
        get: {
            parameters: {
                query?: {
                    /** @description default: both */
                    status?: "open" | "resolved";
                    model?: string;
                    version?: string;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description alerts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            alerts: {
                                id: string;
                                model: string;
                                version: string;
                                /** @description `fleet` */
                                scope: string;
                                /** @enum {string} */
                                status: "open" | "resolved";
                                /** @enum {string} */
                                severity: "warning" | "drift";
                                /** @description every signal that alarmed while the alert was open */
                                signals: string[];
                                /** @description the latest alarming evaluation: per signal its reasons, flagged devices and evidence, and each recent hour's fleet verdict */
                                evidence: {
                                    /** @description the latest hour with data */
                                    latestHour: string | null;
                                    /**
                                     * @description the latest hour's fleet verdict
                                     * @enum {string}
                                     */
                                    verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                    signals: {
                                        name: string;
                                        /** @enum {string} */
                                        severity: "warning" | "drift";
                                        /** @description why it alarms: persistence over hours, Page-Hinkley */
                                        reasons: string[];
                                        /** @description devices flagged on this signal in the recent hours */
                                        devices: string[];
                                        /** @description the latest hour's fleet statistics for the signal */
                                        evidence: string;
                                    }[];
                                    /** @description each recent hour's fleet verdict */
                                    hours: {
                                        hour: string;
                                        devices: number;
                                        n: number;
                                        /** @enum {string} */
                                        verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                        drifting: string[];
                                    }[];
                                } & {
                                    [key: string]: unknown;
                                };
                                alarmingEvaluations: number;
                                quietEvaluations: number;
                                openedAt: string;
                                updatedAt: string;
                                resolvedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/alerts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One drift alert with its evidence */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the alert */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            model: string;
                            version: string;
                            /** @description `fleet` */
                            scope: string;
                            /** @enum {string} */
                            status: "open" | "resolved";
                            /** @enum {string} */
                            severity: "warning" | "drift";
                            /** @description every signal that alarmed while the alert was open */
                            signals: string[];
                            /** @description the latest alarming evaluation: per signal its reasons, flagged devices and evidence, and each recent hour's fleet verdict */
                            evidence: {
                                /** @description the latest hour with data */
                                latestHour: string | null;
                                /**
                                 * @description the latest hour's fleet verdict
                                 * @enum {string}
                                 */
                                verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                signals: {
                                    name: string;
                                    /** @enum {string} */
                                    severity: "warning" | "drift";
                                    /** @description why it alarms: persistence over hours, Page-Hinkley */
                                    reasons: string[];
                                    /** @description devices flagged on this signal in the recent hours */
                                    devices: string[];
                                    /** @description the latest hour's fleet statistics for the signal */
                                    evidence: string;
                                }[];
                                /** @description each recent hour's fleet verdict */
                                hours: {
                                    hour: string;
                                    devices: number;
                                    n: number;
                                    /** @enum {string} */
                                    verdict: "ok" | "warning" | "drift" | "insufficient-data";
                                    drifting: string[];
                                }[];
                            } & {
                                [key: string]: unknown;
                            };
                            alarmingEvaluations: number;
                            quietEvaluations: number;
                            openedAt: string;
                            updatedAt: string;
                            resolvedAt: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Webhook notifications (alerts, continuous training) and their delivery status, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    /** @description the previous page's nextCursor: the notifications after it (older) */
                    cursor?: string;
                    /** @description only notifications in this delivery status */
                    status?: "pending" | "delivered" | "failed" | "skipped";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description notifications */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            notifications: {
                                id: number;
                                kind: string;
                                payload: unknown;
                                createdAt: string;
                                /**
                                 * @description skipped: no webhook configured
                                 * @enum {string}
                                 */
                                status: "pending" | "delivered" | "failed" | "skipped";
                                attempts: number;
                                nextAttemptAt: string;
                                deliveredAt: string | null;
                                lastError: string | null;
                            }[];
                            /** @description pass as `cursor` for the next (older) page; null on the last page */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The scheduled jobs, their schedules and last runs */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description jobs */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            jobs: {
                                name: string;
                                description: string;
                                /** @description cron expression */
                                schedule: string;
                                running: boolean;
                                nextRunAt: string | null;
                                lastRun: {
                                    startedAt: string;
                                    durationMs: number;
                                    ok: boolean;
                                    /** @enum {string} */
                                    reason: "scheduled" | "manual";
                                    /** @description true when another hub replica holds the scheduled-jobs lease: the job runs there, not here */
                                    skipped?: boolean;
                                    /** @description the job's own summary, e.g. each version's drift verdict and alert */
                                    result?: unknown;
                                    error?: string;
                                } | null;
                                /** @description runs since this replica started: done here, skipped (another replica holds the lease), failed */
                                counts: {
                                    ran: number;
                                    skipped: number;
                                    failed: number;
                                };
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/jobs/{name}/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Runs a job now (after a run in progress) and returns its result; jobs: drift-evaluation, continuous-training, webhook-delivery, refresh-deployment-docs */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the run (ok false with the error when it failed) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            startedAt: string;
                            durationMs: number;
                            ok: boolean;
                            /** @enum {string} */
                            reason: "scheduled" | "manual";
                            /** @description true when another hub replica holds the scheduled-jobs lease: the job runs there, not here */
                            skipped?: boolean;
                            /** @description the job's own summary, e.g. each version's drift verdict and alert */
                            result?: unknown;
                            error?: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Rings in order, with their device counts */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description rings */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            rings: {
                                name: string;
                                /** @description null: a ring devices name that has no definition (it comes last) */
                                position: number | null;
                                description: string;
                                devices: number;
                                defined: boolean;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rings/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Create or reorder a ring (position 0 is the canary) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        position: number;
                        /** @default  */
                        description?: string;
                    };
                };
            };
            responses: {
                /** @description the ring */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rollouts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Rollouts, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description rollouts */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            rollouts: ({
                                id: string;
                                model: string;
                                version: string;
                                /** @enum {string} */
                                state: "running" | "paused" | "completed" | "halted" | "rolled-back" | "aborted" | "superseded";
                                /** @description index of the current step; steps.length once completed */
                                step: number;
                                stepStartedAt: string;
                                halt: {
                                    reason: string;
                                    at: string;
                                    evidence?: unknown;
                                } | null;
                                reverted: boolean;
                                plan: {
                                    steps: ({
                                        /** @constant */
                                        kind: "ring";
                                        ring: string;
                                        tags?: {
                                            [key: string]: string;
                                        };
                                        /** @default 100 */
                                        percent: number;
                                        /** @default 0.9 */
                                        successThreshold: number;
                                        /** @default 0.1 */
                                        maxFailures: number;
                                        /** @default 60 */
                                        deadlineMinutes: number;
                                        /** @default false */
                                        shadow: boolean;
                                        traffic?: number;
                                    } | {
                                        /** @constant */
                                        kind: "bake";
                                        minutes: number;
                                        /** @default 1 */
                                        minReporting: number;
                                    } | {
                                        /** @constant */
                                        kind: "gate";
                                        metrics: {
                                            /** @enum {string} */
                                            metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                            min?: number;
                                            max?: number;
                                            maxVsControl?: number;
                                            minSamples?: number;
                                        }[];
                                        /** @default 0 */
                                        maxFailed: number;
                                        /** @default 0 */
                                        maxInconclusive: number;
                                        /** @default 60 */
                                        deadlineMinutes: number;
                                    } | {
                                        /** @constant */
                                        kind: "approve";
                                        note?: string;
                                    })[];
                                    /** @default true */
                                    autoRollback: boolean;
                                };
                                steps: {
                                    index: number;
                                    kind: string;
                                    state: string;
                                    devices?: {
                                        [key: string]: number;
                                    };
                                    /** @description a ring step that takes (or took) no device: why */
                                    warning?: string;
                                    /** @description gate steps, in GET /api/v1/rollouts/{id} and action replies: the report the step was (or is being) decided on */
                                    gate?: {
                                        report: {
                                            /** @enum {string} */
                                            verdict: "pass" | "fail" | "inconclusive";
                                            metrics: {
                                                /** @enum {string} */
                                                metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                                /** @enum {string} */
                                                outcome: "pass" | "fail" | "inconclusive";
                                                value: number | null;
                                                /** @description the same metric on the control group (devices still on the old version, same window) */
                                                control: number | null;
                                                /** @description what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them) */
                                                samples?: number | null;
                                                controlSamples?: number | null;
                                                /** @description below this many samples the metric is inconclusive */
                                                minSamples?: number | null;
                                                evidence: string;
                                            }[];
                                            failed: string[];
                                            inconclusive: string[];
                                        };
                                        /** @description how the step ended on this report; null while it is still evaluated */
                                        outcome: ("passed" | "advanced" | "halted") | null;
                                        at: string;
                                    };
                                }[];
                                /** @description devices by status: pending, offline, downloading, serving, failed, timed-out, reverting, reverted, detached, kept */
                                devices: {
                                    [key: string]: number;
                                };
                                members: {
                                    device: string;
                                    step: number;
                                    /**
                                     * @description shadow: the new version runs beside the old one
                                     * @enum {string}
                                     */
                                    mode: "active" | "shadow";
                                    /** @description ramp-up: the share of requests the new version answers on the device (a traffic step); null otherwise */
                                    trafficShare: number | null;
                                    status: string;
                                    previous: string | null;
                                    error: string | null;
                                }[];
                                /** @description the latest gate report */
                                gate: {
                                    /** @enum {string} */
                                    verdict: "pass" | "fail" | "inconclusive";
                                    metrics: {
                                        /** @enum {string} */
                                        metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                        /** @enum {string} */
                                        outcome: "pass" | "fail" | "inconclusive";
                                        value: number | null;
                                        /** @description the same metric on the control group (devices still on the old version, same window) */
                                        control: number | null;
                                        /** @description what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them) */
                                        samples?: number | null;
                                        controlSamples?: number | null;
                                        /** @description below this many samples the metric is inconclusive */
                                        minSamples?: number | null;
                                        evidence: string;
                                    }[];
                                    failed: string[];
                                    inconclusive: string[];
                                } | null;
                                /** @description ring steps that take no device: steps still to come as the fleet is now (running, paused, halted rollouts), steps passed as recorded (rollout.step.empty in the audit trail; one-rollout view and the create reply) */
                                warnings: {
                                    step: number;
                                    /** @description the step, as validation errors name fields */
                                    path: string;
                                    message: string;
                                }[];
                                supersedes: string | null;
                                supersededBy: string | null;
                                createdBy: string;
                                createdAt: string;
                                updatedAt: string;
                            } & {
                                [key: string]: unknown;
                            })[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Start a staged rollout of a model version */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        model: string;
                        version: string;
                        /** @description steps (ring, bake, gate, approve) and autoRollback; default: the canary ring, then 10%, 50% and 100% of the fleet with bake and gates between */
                        plan?: unknown;
                        /**
                         * @description replace the model's active rollout (audited)
                         * @default false
                         */
                        supersede?: boolean;
                    };
                };
            };
            responses: {
                /** @description the rollout */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            model: string;
                            version: string;
                            /** @enum {string} */
                            state: "running" | "paused" | "completed" | "halted" | "rolled-back" | "aborted" | "superseded";
                            /** @description index of the current step; steps.length once completed */
                            step: number;
                            stepStartedAt: string;
                            halt: {
                                reason: string;
                                at: string;
                                evidence?: unknown;
                            } | null;
                            reverted: boolean;
                            plan: {
                                steps: ({
                                    /** @constant */
                                    kind: "ring";
                                    ring: string;
                                    tags?: {
                                        [key: string]: string;
                                    };
                                    /** @default 100 */
                                    percent: number;
                                    /** @default 0.9 */
                                    successThreshold: number;
                                    /** @default 0.1 */
                                    maxFailures: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                    /** @default false */
                                    shadow: boolean;
                                    traffic?: number;
                                } | {
                                    /** @constant */
                                    kind: "bake";
                                    minutes: number;
                                    /** @default 1 */
                                    minReporting: number;
                                } | {
                                    /** @constant */
                                    kind: "gate";
                                    metrics: {
                                        /** @enum {string} */
                                        metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                        min?: number;
                                        max?: number;
                                        maxVsControl?: number;
                                        minSamples?: number;
                                    }[];
                                    /** @default 0 */
                                    maxFailed: number;
                                    /** @default 0 */
                                    maxInconclusive: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                } | {
                                    /** @constant */
                                    kind: "approve";
                                    note?: string;
                                })[];
                                /** @default true */
                                autoRollback: boolean;
                            };
                            steps: {
                                index: number;
                                kind: string;
                                state: string;
                                devices?: {
                                    [key: string]: number;
                                };
                                /** @description a ring step that takes (or took) no device: why */
                                warning?: string;
                                /** @description gate steps, in GET /api/v1/rollouts/{id} and action replies: the report the step was (or is being) decided on */
                                gate?: {
                                    report: {
                                        /** @enum {string} */
                                        verdict: "pass" | "fail" | "inconclusive";
                                        metrics: {
                                            /** @enum {string} */
                                            metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                            /** @enum {string} */
                                            outcome: "pass" | "fail" | "inconclusive";
                                            value: number | null;
                                            /** @description the same metric on the control group (devices still on the old version, same window) */
                                            control: number | null;
                                            /** @description what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them) */
                                            samples?: number | null;
                                            controlSamples?: number | null;
                                            /** @description below this many samples the metric is inconclusive */
                                            minSamples?: number | null;
                                            evidence: string;
                                        }[];
                                        failed: string[];
                                        inconclusive: string[];
                                    };
                                    /** @description how the step ended on this report; null while it is still evaluated */
                                    outcome: ("passed" | "advanced" | "halted") | null;
                                    at: string;
                                };
                            }[];
                            /** @description devices by status: pending, offline, downloading, serving, failed, timed-out, reverting, reverted, detached, kept */
                            devices: {
                                [key: string]: number;
                            };
                            members: {
                                device: string;
                                step: number;
                                /**
                                 * @description shadow: the new version runs beside the old one
                                 * @enum {string}
                                 */
                                mode: "active" | "shadow";
                                /** @description ramp-up: the share of requests the new version answers on the device (a traffic step); null otherwise */
                                trafficShare: number | null;
                                status: string;
                                previous: string | null;
                                error: string | null;
                            }[];
                            /** @description the latest gate report */
                            gate: {
                                /** @enum {string} */
                                verdict: "pass" | "fail" | "inconclusive";
                                metrics: {
                                    /** @enum {string} */
                                    metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                    /** @enum {string} */
                                    outcome: "pass" | "fail" | "inconclusive";
                                    value: number | null;
                                    /** @description the same metric on the control group (devices still on the old version, same window) */
                                    control: number | null;
                                    /** @description what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them) */
                                    samples?: number | null;
                                    controlSamples?: number | null;
                                    /** @description below this many samples the metric is inconclusive */
                                    minSamples?: number | null;
                                    evidence: string;
                                }[];
                                failed: string[];
                                inconclusive: string[];
                            } | null;
                            /** @description ring steps that take no device: steps still to come as the fleet is now (running, paused, halted rollouts), steps passed as recorded (rollout.step.empty in the audit trail; one-rollout view and the create reply) */
                            warnings: {
                                step: number;
                                /** @description the step, as validation errors name fields */
                                path: string;
                                message: string;
                            }[];
                            supersedes: string | null;
                            supersededBy: string | null;
                            createdBy: string;
                            createdAt: string;
                            updatedAt: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rollouts/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Check a rollout as POST /api/v1/rollouts would (version, plan) without creating it: 200, or the create's own error naming the field */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        model: string;
                        version: string;
                        /** @description steps (ring, bake, gate, approve) and autoRollback; default: the canary ring, then 10%, 50% and 100% of the fleet with bake and gates between */
                        plan?: unknown;
                        /**
                         * @description replace the model's active rollout (audited)
                         * @default false
                         */
                        supersede?: boolean;
                    };
                };
            };
            responses: {
                /** @description the plan is sound */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @constant */
                            ok: true;
                            /** @description the plan as a create would store it, defaults filled in */
                            plan: {
                                steps: ({
                                    /** @constant */
                                    kind: "ring";
                                    ring: string;
                                    tags?: {
                                        [key: string]: string;
                                    };
                                    /** @default 100 */
                                    percent: number;
                                    /** @default 0.9 */
                                    successThreshold: number;
                                    /** @default 0.1 */
                                    maxFailures: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                    /** @default false */
                                    shadow: boolean;
                                    traffic?: number;
                                } | {
                                    /** @constant */
                                    kind: "bake";
                                    minutes: number;
                                    /** @default 1 */
                                    minReporting: number;
                                } | {
                                    /** @constant */
                                    kind: "gate";
                                    metrics: {
                                        /** @enum {string} */
                                        metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                        min?: number;
                                        max?: number;
                                        maxVsControl?: number;
                                        minSamples?: number;
                                    }[];
                                    /** @default 0 */
                                    maxFailed: number;
                                    /** @default 0 */
                                    maxInconclusive: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                } | {
                                    /** @constant */
                                    kind: "approve";
                                    note?: string;
                                })[];
                                /** @default true */
                                autoRollback: boolean;
                            };
                            /** @description the model's active rollouts: a create is refused (409) while there are any, unless it supersedes them */
                            active: {
                                id: string;
                                version: string;
                                state: string;
                            }[];
                            /** @description ring steps that take no device (an empty ring, tags nobody has, a percentage that selects nobody, devices on other models): accepted, but said */
                            warnings: {
                                step: number;
                                /** @description the step, as validation errors name fields */
                                path: string;
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rollouts/default-plan": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The plan a rollout without one gets, over the rings as they are now */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the default plan */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description the first ring */
                            canary: string;
                            rings: string[];
                            plan: {
                                steps: ({
                                    /** @constant */
                                    kind: "ring";
                                    ring: string;
                                    tags?: {
                                        [key: string]: string;
                                    };
                                    /** @default 100 */
                                    percent: number;
                                    /** @default 0.9 */
                                    successThreshold: number;
                                    /** @default 0.1 */
                                    maxFailures: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                    /** @default false */
                                    shadow: boolean;
                                    traffic?: number;
                                } | {
                                    /** @constant */
                                    kind: "bake";
                                    minutes: number;
                                    /** @default 1 */
                                    minReporting: number;
                                } | {
                                    /** @constant */
                                    kind: "gate";
                                    metrics: {
                                        /** @enum {string} */
                                        metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                        min?: number;
                                        max?: number;
                                        maxVsControl?: number;
                                        minSamples?: number;
                                    }[];
                                    /** @default 0 */
                                    maxFailed: number;
                                    /** @default 0 */
                                    maxInconclusive: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                } | {
                                    /** @constant */
                                    kind: "approve";
                                    note?: string;
                                })[];
                                /** @default true */
                                autoRollback: boolean;
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rollouts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One rollout: state, current step, per-step device counts, members, latest gate report */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the rollout */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            model: string;
                            version: string;
                            /** @enum {string} */
                            state: "running" | "paused" | "completed" | "halted" | "rolled-back" | "aborted" | "superseded";
                            /** @description index of the current step; steps.length once completed */
                            step: number;
                            stepStartedAt: string;
                            halt: {
                                reason: string;
                                at: string;
                                evidence?: unknown;
                            } | null;
                            reverted: boolean;
                            plan: {
                                steps: ({
                                    /** @constant */
                                    kind: "ring";
                                    ring: string;
                                    tags?: {
                                        [key: string]: string;
                                    };
                                    /** @default 100 */
                                    percent: number;
                                    /** @default 0.9 */
                                    successThreshold: number;
                                    /** @default 0.1 */
                                    maxFailures: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                    /** @default false */
                                    shadow: boolean;
                                    traffic?: number;
                                } | {
                                    /** @constant */
                                    kind: "bake";
                                    minutes: number;
                                    /** @default 1 */
                                    minReporting: number;
                                } | {
                                    /** @constant */
                                    kind: "gate";
                                    metrics: {
                                        /** @enum {string} */
                                        metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                        min?: number;
                                        max?: number;
                                        maxVsControl?: number;
                                        minSamples?: number;
                                    }[];
                                    /** @default 0 */
                                    maxFailed: number;
                                    /** @default 0 */
                                    maxInconclusive: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                } | {
                                    /** @constant */
                                    kind: "approve";
                                    note?: string;
                                })[];
                                /** @default true */
                                autoRollback: boolean;
                            };
                            steps: {
                                index: number;
                                kind: string;
                                state: string;
                                devices?: {
                                    [key: string]: number;
                                };
                                /** @description a ring step that takes (or took) no device: why */
                                warning?: string;
                                /** @description gate steps, in GET /api/v1/rollouts/{id} and action replies: the report the step was (or is being) decided on */
                                gate?: {
                                    report: {
                                        /** @enum {string} */
                                        verdict: "pass" | "fail" | "inconclusive";
                                        metrics: {
                                            /** @enum {string} */
                                            metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                            /** @enum {string} */
                                            outcome: "pass" | "fail" | "inconclusive";
                                            value: number | null;
                                            /** @description the same metric on the control group (devices still on the old version, same window) */
                                            control: number | null;
                                            /** @description what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them) */
                                            samples?: number | null;
                                            controlSamples?: number | null;
                                            /** @description below this many samples the metric is inconclusive */
                                            minSamples?: number | null;
                                            evidence: string;
                                        }[];
                                        failed: string[];
                                        inconclusive: string[];
                                    };
                                    /** @description how the step ended on this report; null while it is still evaluated */
                                    outcome: ("passed" | "advanced" | "halted") | null;
                                    at: string;
                                };
                            }[];
                            /** @description devices by status: pending, offline, downloading, serving, failed, timed-out, reverting, reverted, detached, kept */
                            devices: {
                                [key: string]: number;
                            };
                            members: {
                                device: string;
                                step: number;
                                /**
                                 * @description shadow: the new version runs beside the old one
                                 * @enum {string}
                                 */
                                mode: "active" | "shadow";
                                /** @description ramp-up: the share of requests the new version answers on the device (a traffic step); null otherwise */
                                trafficShare: number | null;
                                status: string;
                                previous: string | null;
                                error: string | null;
                            }[];
                            /** @description the latest gate report */
                            gate: {
                                /** @enum {string} */
                                verdict: "pass" | "fail" | "inconclusive";
                                metrics: {
                                    /** @enum {string} */
                                    metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                    /** @enum {string} */
                                    outcome: "pass" | "fail" | "inconclusive";
                                    value: number | null;
                                    /** @description the same metric on the control group (devices still on the old version, same window) */
                                    control: number | null;
                                    /** @description what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them) */
                                    samples?: number | null;
                                    controlSamples?: number | null;
                                    /** @description below this many samples the metric is inconclusive */
                                    minSamples?: number | null;
                                    evidence: string;
                                }[];
                                failed: string[];
                                inconclusive: string[];
                            } | null;
                            /** @description ring steps that take no device: steps still to come as the fleet is now (running, paused, halted rollouts), steps passed as recorded (rollout.step.empty in the audit trail; one-rollout view and the create reply) */
                            warnings: {
                                step: number;
                                /** @description the step, as validation errors name fields */
                                path: string;
                                message: string;
                            }[];
                            supersedes: string | null;
                            supersededBy: string | null;
                            createdBy: string;
                            createdAt: string;
                            updatedAt: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rollouts/{id}/{action}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** pause | resume | advance (skip the current wait or approve) | abort (keep, or revert with "revert": true) | rollback (revert every touched device now) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                    action: "pause" | "resume" | "advance" | "abort" | "rollback";
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description kept in the audit log */
                        reason?: string;
                        /** @description abort only: send every touched device back to its previous version */
                        revert?: boolean;
                    };
                };
            };
            responses: {
                /** @description the rollout after the action */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            model: string;
                            version: string;
                            /** @enum {string} */
                            state: "running" | "paused" | "completed" | "halted" | "rolled-back" | "aborted" | "superseded";
                            /** @description index of the current step; steps.length once completed */
                            step: number;
                            stepStartedAt: string;
                            halt: {
                                reason: string;
                                at: string;
                                evidence?: unknown;
                            } | null;
                            reverted: boolean;
                            plan: {
                                steps: ({
                                    /** @constant */
                                    kind: "ring";
                                    ring: string;
                                    tags?: {
                                        [key: string]: string;
                                    };
                                    /** @default 100 */
                                    percent: number;
                                    /** @default 0.9 */
                                    successThreshold: number;
                                    /** @default 0.1 */
                                    maxFailures: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                    /** @default false */
                                    shadow: boolean;
                                    traffic?: number;
                                } | {
                                    /** @constant */
                                    kind: "bake";
                                    minutes: number;
                                    /** @default 1 */
                                    minReporting: number;
                                } | {
                                    /** @constant */
                                    kind: "gate";
                                    metrics: {
                                        /** @enum {string} */
                                        metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                        min?: number;
                                        max?: number;
                                        maxVsControl?: number;
                                        minSamples?: number;
                                    }[];
                                    /** @default 0 */
                                    maxFailed: number;
                                    /** @default 0 */
                                    maxInconclusive: number;
                                    /** @default 60 */
                                    deadlineMinutes: number;
                                } | {
                                    /** @constant */
                                    kind: "approve";
                                    note?: string;
                                })[];
                                /** @default true */
                                autoRollback: boolean;
                            };
                            steps: {
                                index: number;
                                kind: string;
                                state: string;
                                devices?: {
                                    [key: string]: number;
                                };
                                /** @description a ring step that takes (or took) no device: why */
                                warning?: string;
                                /** @description gate steps, in GET /api/v1/rollouts/{id} and action replies: the report the step was (or is being) decided on */
                                gate?: {
                                    report: {
                                        /** @enum {string} */
                                        verdict: "pass" | "fail" | "inconclusive";
                                        metrics: {
                                            /** @enum {string} */
                                            metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                            /** @enum {string} */
                                            outcome: "pass" | "fail" | "inconclusive";
                                            value: number | null;
                                            /** @description the same metric on the control group (devices still on the old version, same window) */
                                            control: number | null;
                                            /** @description what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them) */
                                            samples?: number | null;
                                            controlSamples?: number | null;
                                            /** @description below this many samples the metric is inconclusive */
                                            minSamples?: number | null;
                                            evidence: string;
                                        }[];
                                        failed: string[];
                                        inconclusive: string[];
                                    };
                                    /** @description how the step ended on this report; null while it is still evaluated */
                                    outcome: ("passed" | "advanced" | "halted") | null;
                                    at: string;
                                };
                            }[];
                            /** @description devices by status: pending, offline, downloading, serving, failed, timed-out, reverting, reverted, detached, kept */
                            devices: {
                                [key: string]: number;
                            };
                            members: {
                                device: string;
                                step: number;
                                /**
                                 * @description shadow: the new version runs beside the old one
                                 * @enum {string}
                                 */
                                mode: "active" | "shadow";
                                /** @description ramp-up: the share of requests the new version answers on the device (a traffic step); null otherwise */
                                trafficShare: number | null;
                                status: string;
                                previous: string | null;
                                error: string | null;
                            }[];
                            /** @description the latest gate report */
                            gate: {
                                /** @enum {string} */
                                verdict: "pass" | "fail" | "inconclusive";
                                metrics: {
                                    /** @enum {string} */
                                    metric: "install-success" | "probe-failures" | "error-rate" | "latency-p95" | "input-drift" | "prediction-drift" | "ood-rate" | "shadow-agreement";
                                    /** @enum {string} */
                                    outcome: "pass" | "fail" | "inconclusive";
                                    value: number | null;
                                    /** @description the same metric on the control group (devices still on the old version, same window) */
                                    control: number | null;
                                    /** @description what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them) */
                                    samples?: number | null;
                                    controlSamples?: number | null;
                                    /** @description below this many samples the metric is inconclusive */
                                    minSamples?: number | null;
                                    evidence: string;
                                }[];
                                failed: string[];
                                inconclusive: string[];
                            } | null;
                            /** @description ring steps that take no device: steps still to come as the fleet is now (running, paused, halted rollouts), steps passed as recorded (rollout.step.empty in the audit trail; one-rollout view and the create reply) */
                            warnings: {
                                step: number;
                                /** @description the step, as validation errors name fields */
                                path: string;
                                message: string;
                            }[];
                            supersedes: string | null;
                            supersededBy: string | null;
                            createdBy: string;
                            createdAt: string;
                            updatedAt: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/quantize": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Quantize a version to int8 as a new signed version, refused (422 E_QUALITY_GATE) when it loses more accuracy, primary metric or agreement than allowed; int8-static without real inputs is refused (422 E_NOT_QUANTIZABLE) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description dynamic: MatMul/Gemm (MLPs); static: QDQ with calibration (CNNs); weight-only: every large constant (any graph)
                         * @enum {string}
                         */
                        mode: "int8-dynamic" | "int8-static" | "int8-weight-only";
                        /** @description one weight scale per output channel; default false for dynamic, true otherwise */
                        perChannel?: boolean;
                        /** @description static mode: how activation ranges are taken (default minmax) */
                        calibration?: {
                            /** @enum {string} */
                            method: "minmax" | "percentile";
                            /** @description percentile method only; default 99.999 */
                            percentile?: number;
                            /** @description how many calibration batches to use; default all */
                            samples?: number;
                        };
                        /**
                         * @description static mode: depthwise Convs stay float (default: onnxruntime's int8 depthwise kernel is slower than its float one) or are quantized too
                         * @enum {string}
                         */
                        depthwise?: "float" | "int8";
                        /**
                         * @description static mode: activation type; 'uint8' (default) with 8-bit weights, or 'int8' with 7-bit weights, which runs onnxruntime's faster u8s8 kernels on x86 CPUs without VNNI at half the weight precision
                         * @enum {string}
                         */
                        activations?: "uint8" | "int8";
                        /** @description static mode: when int8 misses the quality gate, measure which activations hurt the outputs most (on the calibration inputs), keep them float and try again, 1, 2, 4, ... up to a quarter of them; default true */
                        accuracyFallback?: boolean;
                        /** @description labelled (trained) versions: largest accuracy loss allowed in percentage points; default 1 */
                        maxAccuracyLossPp?: number;
                        /** @description unlabelled versions: smallest fraction of rows whose int8 output agrees with fp32; default 0.99 */
                        minAgreement?: number;
                        /** @description labelled data: largest loss of the primary metric (a trained run's own metric, macroF1 by default for classifiers; macroF1 for samples with labels) in percentage points, or percent of fp32 for error metrics (rmse, mae, logLoss); default 1 */
                        maxMetricLossPp?: number;
                        /** @description label of the new version; default its release counter */
                        version?: string;
                    };
                };
            };
            responses: {
                /** @description the new version with its size, accuracy or agreement and latency next to the source */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            model: string;
                            version: string;
                            sha256: string;
                            /** @enum {string} */
                            quantization: "int8-dynamic" | "int8-static" | "int8-weight-only";
                            source: {
                                size: number;
                                accuracy?: number;
                                agreement?: number;
                                /** @description the primary metric and companions (macroF1, ...) on the same labelled rows */
                                metrics?: {
                                    [key: string]: number;
                                };
                                latencyMs: {
                                    batch1: number;
                                    batch64?: number;
                                    /** @description with session option disable_quant_qdq=1 */
                                    batch1FoldedQdq?: number;
                                };
                                version: string;
                            };
                            result: {
                                size: number;
                                accuracy?: number;
                                agreement?: number;
                                /** @description the primary metric and companions (macroF1, ...) on the same labelled rows */
                                metrics?: {
                                    [key: string]: number;
                                };
                                latencyMs: {
                                    batch1: number;
                                    batch64?: number;
                                    /** @description with session option disable_quant_qdq=1 */
                                    batch1FoldedQdq?: number;
                                };
                                sizeRatio: number;
                                maxAbsDiff: {
                                    [key: string]: number | null;
                                };
                                /** @enum {string} */
                                agreementRule: "argmax" | "tolerance";
                                evaluatedOn: string;
                                /**
                                 * @description what fp32 and int8 were compared on; synthetic: seeded probe-shaped inputs, not real data
                                 * @enum {string}
                                 */
                                evaluationData: "test-split" | "samples" | "dataset" | "synthetic";
                            };
                            /** @description what makes the numbers less trustworthy, e.g. synthetic inputs */
                            warnings: string[];
                            /** @description what the quantizer did: nodes, tensors, scales, skipped items with reasons */
                            report: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/prune": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Prune a hub-trained version (structured: remove hidden units; magnitude: zero small weights), fine-tune it on the parent's training split and register it when it passes the quality gate against the parent (the run fails with E_QUALITY_GATE otherwise) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description structured: remove whole hidden units (a smaller, faster graph); magnitude: zero the smallest weights (same graph; smaller once compressed)
                         * @default structured
                         * @enum {string}
                         */
                        method?: "structured" | "magnitude";
                        /** @description structured: fraction of every hidden layer's units removed (default 0.5); magnitude: fraction of every layer's weights zeroed (default 0.8) */
                        sparsity?: number;
                        /**
                         * @description epochs of fine-tuning on the parent's training split after pruning (early stopping on its validation split)
                         * @default 3
                         */
                        fineTuneEpochs?: number;
                        /** @description label of the new version; default its release counter */
                        version?: string;
                        /**
                         * @description largest accuracy loss against the parent, in percentage points (classifiers)
                         * @default 1
                         */
                        maxAccuracyLossPp?: number;
                        /**
                         * @description largest loss of the parent run's primary metric (pp; percent for errors)
                         * @default 1
                         */
                        maxMetricLossPp?: number;
                        /**
                         * @description regression: smallest share of test rows where pruned and parent predictions agree within 2%
                         * @default 0.95
                         */
                        minAgreement?: number;
                    };
                };
            };
            responses: {
                /** @description queued as a training run: follow it at /api/v1/training-runs/{id} */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models/{model}/versions/{version}/distill": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Distil a version (the teacher, any registered version, uploads included) into a student trained on the teacher's soft targets over a dataset; registered when it passes the quality gate against the teacher */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    model: string;
                    version: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description the dataset the teacher labels (id) */
                        dataset: string;
                        /** @description the label column: hard labels, and what accuracy is measured against */
                        target: string;
                        /**
                         * @default classification
                         * @enum {string}
                         */
                        task?: "classification" | "regression";
                        /** @description feature columns; default the teacher's own (a teacher a training run exported), else every column but the target */
                        features?: string[];
                        /**
                         * @description the student
                         * @default mlp
                         * @enum {string}
                         */
                        trainer?: "mlp" | "linear";
                        /**
                         * @description the student trainer's params (mlp: hidden sizes, epochs, ...)
                         * @default {}
                         */
                        params?: {
                            [key: string]: unknown;
                        };
                        /**
                         * @description softens the teacher's scores: higher shows more of how it ranks the wrong classes
                         * @default 4
                         */
                        temperature?: number;
                        /**
                         * @description weight of the hard labels in the loss; 0 = the teacher alone
                         * @default 0.3
                         */
                        hardWeight?: number;
                        /** @description the teacher output holding class scores (probabilities or logits) or the prediction; default chosen from the graph */
                        teacherOutput?: string;
                        /** @description the teacher's class names in output order; default its metadata, else "0".."K-1" */
                        teacherClasses?: string[];
                        split?: {
                            train: number;
                            validation: number;
                            test: number;
                        };
                        /**
                         * @description oversampling repeats rows the teacher labelled once: not offered
                         * @default none
                         * @enum {string}
                         */
                        balance?: "none" | "class-weights";
                        /** @default 1 */
                        seed?: number;
                        /** @description model to register the student under; default the teacher's */
                        model?: string;
                        version?: string;
                        /**
                         * @description largest accuracy loss against the teacher on the run's test rows, in percentage points
                         * @default 2
                         */
                        maxAccuracyLossPp?: number;
                        /**
                         * @description largest loss of the primary metric against the teacher
                         * @default 3
                         */
                        maxMetricLossPp?: number;
                        /**
                         * @description regression: smallest share of test rows where student and teacher agree within 2%
                         * @default 0.9
                         */
                        minAgreement?: number;
                    };
                };
            };
            responses: {
                /** @description queued as a training run: follow it at /api/v1/training-runs/{id} */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List datasets, newest first (deleted ones never; archived ones with ?archived=true) */
        get: {
            parameters: {
                query?: {
                    /** @description true: archived ones too (each with archivedAt); deleted ones are never listed */
                    archived?: "true" | "false";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description datasets */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            datasets: {
                                id: string;
                                name: string;
                                rows: number;
                                sizeBytes: number;
                                columns: {
                                    name: string;
                                    /** @enum {string} */
                                    kind: "numeric" | "categorical";
                                }[];
                                createdAt: string;
                                /** @description set while archived: no new training runs or model references on it */
                                archivedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Upload a CSV dataset (header row required; content-addressed: the same bytes again return the same id with 200) */
        post: {
            parameters: {
                query: {
                    /** @description dataset name (1-64 of A-Z a-z 0-9 . _ -) */
                    name: string;
                    /** @description JSON {"<column>": "numeric" | "categorical"} declaring column kinds; the rest are inferred */
                    kinds?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description the CSV file, at most 64 MiB */
            requestBody: {
                content: {
                    "text/csv": string;
                };
            };
            responses: {
                /** @description already stored */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            rows: number;
                            sizeBytes: number;
                            columns: {
                                name: string;
                                /** @enum {string} */
                                kind: "numeric" | "categorical";
                            }[];
                            createdAt: string;
                            /** @description set while archived: no new training runs or model references on it */
                            archivedAt: string | null;
                        };
                    };
                };
                /** @description stored and parsed */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            rows: number;
                            sizeBytes: number;
                            columns: {
                                name: string;
                                /** @enum {string} */
                                kind: "numeric" | "categorical";
                            }[];
                            createdAt: string;
                            /** @description set while archived: no new training runs or model references on it */
                            archivedAt: string | null;
                        };
                    };
                };
                /** @description past a limit, checked as the file streams: size, rows, columns, cells, cell, column name or record length (docs/training.md "Dataset limits"); details name the row, the column and the limit */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description E_UNAVAILABLE: the dataset workers and their queue are full; retry after Retry-After seconds */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{id}/archive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Archive a dataset: hidden from the list, no new training runs or model references on it (409 E_ARCHIVED); what was made from it stays. Idempotent */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the dataset, archived */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            archivedAt: string | null;
                            deletedAt: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{id}/unarchive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Bring an archived dataset back into use; idempotent */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the dataset, not archived */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            archivedAt: string | null;
                            deletedAt: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datasets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One dataset with its exploration summary (per column: count, missing, mean, sd, quantiles, histogram, categories; with ?target=: class balance and associations) */
        get: {
            parameters: {
                query?: {
                    /** @description explore against this column: class balance and each column's association with it */
                    target?: string;
                    /** @description treat the target as this kind (default: categorical for a numeric column of few integers) */
                    targetKind?: "numeric" | "categorical";
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the dataset and its summary */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            rows: number;
                            sizeBytes: number;
                            columns: {
                                name: string;
                                /** @enum {string} */
                                kind: "numeric" | "categorical";
                            }[];
                            createdAt: string;
                            /** @description set while archived: no new training runs or model references on it */
                            archivedAt: string | null;
                            summary: {
                                rows: number;
                                columns: ({
                                    name: string;
                                    /** @constant */
                                    kind: "numeric";
                                    /** @description present (non-missing) values */
                                    count: number;
                                    missing: number;
                                    mean: number | null;
                                    /** @description sample standard deviation */
                                    sd: number | null;
                                    min: number | null;
                                    max: number | null;
                                    quantiles: {
                                        p01: number | null;
                                        p05: number | null;
                                        p25: number | null;
                                        p50: number | null;
                                        p75: number | null;
                                        p95: number | null;
                                        p99: number | null;
                                    };
                                    /** @description equal-width bins [edges[i], edges[i+1]), the last closed; empty without present values */
                                    histogram: {
                                        edges: number[];
                                        counts: number[];
                                    };
                                    /** @description with ?target=: the column's association with the target (|r|, eta or Cramér's V; null when undefined) */
                                    association?: {
                                        /** @enum {string} */
                                        measure: "pearson" | "correlationRatio" | "cramersV";
                                        value: number | null;
                                    };
                                    /** @description present when the column looks like an id, a counter or a text date; training leaves it out by default */
                                    idLike?: {
                                        /** @enum {string} */
                                        reason: "date-text" | "unique-per-row" | "monotone-counter";
                                        detail: string;
                                    };
                                } | {
                                    name: string;
                                    /** @constant */
                                    kind: "categorical";
                                    /** @description present (non-missing) values */
                                    count: number;
                                    missing: number;
                                    distinct: number;
                                    /** @description the most frequent categories (at most 20), most frequent first */
                                    top: {
                                        value: string;
                                        count: number;
                                    }[];
                                    /** @description present values of categories not listed in top */
                                    otherCount: number;
                                    /** @description with ?target=: the column's association with the target (|r|, eta or Cramér's V; null when undefined) */
                                    association?: {
                                        /** @enum {string} */
                                        measure: "pearson" | "correlationRatio" | "cramersV";
                                        value: number | null;
                                    };
                                    /** @description present when the column looks like an id, a counter or a text date; training leaves it out by default */
                                    idLike?: {
                                        /** @enum {string} */
                                        reason: "date-text" | "unique-per-row" | "monotone-counter";
                                        detail: string;
                                    };
                                })[];
                                /** @description with ?target= only */
                                target?: {
                                    name: string;
                                    /** @enum {string} */
                                    kind: "numeric" | "categorical";
                                    /** @description categorical targets: every class, most frequent first */
                                    classBalance?: {
                                        value: string;
                                        count: number;
                                        fraction: number;
                                    }[];
                                    missing: number;
                                };
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a dataset and its file: 409 E_IN_USE (details: versions, runs) while a version not deleted names it in its lineage (trained on it, or an import's reference) or a training run queued or running reads it. Uploading the same CSV again brings it back. Again: its tombstone (alreadyDeleted) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the tombstone and what became of its file */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            archivedAt: string | null;
                            deletedAt: string;
                            /** @description deleted by an earlier call: this one only retried removing its file */
                            alreadyDeleted: boolean;
                            /** @description the CSV file (kept only when the same bytes were uploaded again meanwhile) */
                            file: {
                                /** @constant */
                                file: "removed";
                            } | {
                                /** @constant */
                                file: "absent";
                            } | {
                                /** @constant */
                                file: "kept";
                                /** @description what still needs the same bytes (empty: removing failed; see the hub log) */
                                neededBy: string[];
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/training-runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List training runs, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description runs */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            runs: {
                                id: string;
                                /** @enum {string} */
                                status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                                /** @enum {string} */
                                stage: "queued" | "loading" | "preparing" | "baseline" | "training" | "evaluating" | "exporting" | "parity" | "comparing" | "profiling" | "registering" | "done";
                                progress: number;
                                dataset: {
                                    id: string;
                                    name: string | null;
                                };
                                task: string;
                                target: string;
                                trainer: string;
                                model: string;
                                metric: {
                                    name: string;
                                    value: number | null;
                                    baseline: number | null;
                                    beatsBaseline: boolean | null;
                                };
                                resultVersion: {
                                    model: string;
                                    version: string;
                                } | null;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                createdAt: string;
                                startedAt: string | null;
                                finishedAt: string | null;
                                durationMs: number | null;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Start a training run (queued; a replica's worker thread claims it, and each trial of a search separately) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description dataset id (sha256) */
                        dataset: string;
                        /** @description the column to predict (anomaly: the 0/1 label column) */
                        target: string;
                        /** @enum {string} */
                        task: "classification" | "regression" | "anomaly";
                        /**
                         * @description default: mlp for classification and regression, autoencoder for anomaly
                         * @enum {string}
                         */
                        trainer?: "baseline" | "linear" | "mlp" | "autoencoder";
                        /**
                         * @description the trainer's params (defaults filled)
                         * @default {}
                         */
                        params?: {
                            [key: string]: unknown;
                        };
                        search?: {
                            /** @enum {string} */
                            kind: "grid" | "random";
                            space: {
                                [key: string]: (number | string | boolean | number[])[] | {
                                    min: number;
                                    max: number;
                                    log?: boolean;
                                    int?: boolean;
                                };
                            };
                            /** @description random search: how many samples (default 10) */
                            trials?: number;
                            /**
                             * @description validation metric to choose by
                             * @enum {string}
                             */
                            metric: "accuracy" | "macroF1" | "rocAuc" | "f1" | "precision" | "recall" | "r2" | "rmse" | "mae" | "logLoss" | "ece" | "averagePrecision";
                        };
                        /** @description feature columns, used as given; default every column but the target and those the dataset's exploration flags as id-like (`idLike`: unique per row, dates as text, counters), which the run lists in `request.excludedFeatures` */
                        features?: string[];
                        /** @description fractions; default 0.7 / 0.15 / 0.15 */
                        split?: {
                            train: number;
                            validation: number;
                            test: number;
                        };
                        /**
                         * @default none
                         * @enum {string}
                         */
                        balance?: "none" | "class-weights" | "oversample";
                        /** @default 1 */
                        seed?: number;
                        /** @description model to register under; default <dataset name>-<task> */
                        model?: string;
                        /** @description version label; default the release counter */
                        version?: string;
                        /** @default true */
                        register?: boolean;
                    };
                };
            };
            responses: {
                /** @description queued */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/training-runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One run: status, progress, stage, params, trials, epochs, test metrics beside the baseline, resulting version */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the run */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            /** @enum {string} */
                            stage: "queued" | "loading" | "preparing" | "baseline" | "training" | "evaluating" | "exporting" | "parity" | "comparing" | "profiling" | "registering" | "done";
                            progress: number;
                            dataset: {
                                id: string;
                                name: string | null;
                            };
                            task: string;
                            target: string;
                            trainer: string;
                            model: string;
                            metric: {
                                name: string;
                                value: number | null;
                                baseline: number | null;
                                beatsBaseline: boolean | null;
                            };
                            resultVersion: {
                                model: string;
                                version: string;
                            } | null;
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            createdAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                            durationMs: number | null;
                            /** @description the request with defaults resolved: seed, split, features, trainer, metric */
                            request: {
                                [key: string]: unknown;
                            };
                            params: {
                                [key: string]: unknown;
                            } | null;
                            /** @description on the test split */
                            metrics: {
                                [key: string]: number;
                            } | null;
                            /** @description the baseline on the same test split */
                            baselineMetrics: {
                                [key: string]: number;
                            } | null;
                            epochs: {
                                trial?: number;
                                epoch: number;
                                loss: number;
                                valLoss?: number;
                                valMetric?: number;
                            }[];
                            trials: {
                                index: number;
                                params: {
                                    [key: string]: unknown;
                                };
                                metrics: {
                                    [key: string]: number;
                                };
                                /** @description the hub replica whose worker ran the trial */
                                replica?: string;
                            }[];
                            codeVersion: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/training-runs/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run's log lines */
        get: {
            parameters: {
                query?: {
                    /** @description only lines after this seq */
                    after?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description log lines, oldest first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            logs: {
                                seq: number;
                                at: string;
                                level: string;
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/training-runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a queued or running run (its worker is stopped); 409 once it has finished */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the cancelled run */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            /** @enum {string} */
                            stage: "queued" | "loading" | "preparing" | "baseline" | "training" | "evaluating" | "exporting" | "parity" | "comparing" | "profiling" | "registering" | "done";
                            progress: number;
                            dataset: {
                                id: string;
                                name: string | null;
                            };
                            task: string;
                            target: string;
                            trainer: string;
                            model: string;
                            metric: {
                                name: string;
                                value: number | null;
                                baseline: number | null;
                                beatsBaseline: boolean | null;
                            };
                            resultVersion: {
                                model: string;
                                version: string;
                            } | null;
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            createdAt: string;
                            startedAt: string | null;
                            finishedAt: string | null;
                            durationMs: number | null;
                            /** @description the request with defaults resolved: seed, split, features, trainer, metric */
                            request: {
                                [key: string]: unknown;
                            };
                            params: {
                                [key: string]: unknown;
                            } | null;
                            /** @description on the test split */
                            metrics: {
                                [key: string]: number;
                            } | null;
                            /** @description the baseline on the same test split */
                            baselineMetrics: {
                                [key: string]: number;
                            } | null;
                            epochs: {
                                trial?: number;
                                epoch: number;
                                loss: number;
                                valLoss?: number;
                                valMetric?: number;
                            }[];
                            trials: {
                                index: number;
                                params: {
                                    [key: string]: unknown;
                                };
                                metrics: {
                                    [key: string]: number;
                                };
                                /** @description the hub replica whose worker ran the trial */
                                replica?: string;
                            }[];
                            codeVersion: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/broker/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Broker counters (connections, refusals) and device message ingestion counters */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description counters since start */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description the embedded broker counts connections and refusals; with an external broker, its own statistics are the operator’s to read */
                            broker: {
                                /** @constant */
                                kind: "embedded";
                                connections: number;
                                connectionsRefused: number;
                                authFailures: number;
                                /** @description connects refused at once because their address or device id failed too often recently (CONNACK 5) */
                                authThrottled: number;
                                /** @description connects refused because the queue of slow (legacy scrypt) checks was full (CONNACK 3) */
                                authBusy: number;
                                publishDenied: number;
                                subscribeDenied: number;
                                willDenied: number;
                                oversizedPackets: number;
                                /** @description publishes over a device or fleet rate limit (admission control); each ends the connection, the device sends again later */
                                publishRateLimited: number;
                                /** @description every CONNECT refused with a CONNACK, by reason */
                                connectsRefused: {
                                    /** @description CONNECTs of MQTT 5 (or 3.1) clients: the embedded broker speaks MQTT 3.1.1 only (CONNACK 1, reason 132 to an MQTT 5 client) */
                                    unsupportedProtocolVersion: number;
                                    identifierRejected: number;
                                    serverUnavailable: number;
                                    badCredentials: number;
                                    notAuthorized: number;
                                    other: number;
                                };
                            } | {
                                /** @constant */
                                kind: "external";
                                /** @description the broker URL without credentials */
                                url: string;
                                connected: boolean;
                                reconnects: number;
                                messagesReceived: number;
                                messagesPublished: number;
                                messagesDropped: number;
                            };
                            ingest: {
                                received: {
                                    [key: string]: number;
                                };
                                /** @description rejected device messages by error code */
                                rejected: {
                                    [key: string]: number;
                                };
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The audit trail, newest first, a page at a time (limit, cursor), filtered by subject, actor and action prefix */
        get: {
            parameters: {
                query?: {
                    subject?: string;
                    limit?: number;
                    /** @description the previous page's nextCursor: the entries after it (older) */
                    cursor?: string;
                    /** @description only entries by this actor, e.g. `admin` or `job:drift-evaluation` */
                    actor?: string;
                    /** @description only entries whose action starts with this, e.g. `rollout.` or `device.enrolled` */
                    action?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description audit entries */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            entries: {
                                id: number;
                                at: string;
                                actor: string;
                                action: string;
                                subject: string;
                                details: unknown;
                            }[];
                            /** @description pass as `cursor` for the next (older) page; null on the last page */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/artifacts/{sha256}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A model file (or a probe blob a release assigned to the device names) by content hash; supports Range: bytes=a-b */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    sha256: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the whole file */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": unknown;
                    };
                };
                /** @description the requested range */
                206: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": unknown;
                    };
                };
                /** @description a probe blob no release assigned to this device names */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description range not satisfiable */
                416: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description E_ARTIFACT_CORRUPT: the stored file no longer has this hash; not served until the same bytes are uploaded again */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/device/v1/config": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Broker URLs and the signed trust document, for a device */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description bootstrap config */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            mqttUrl: string;
                            wsUrl: string;
                            trust: {
                                payload: string;
                                signatures: {
                                    keyid: string;
                                    sig: string;
                                }[];
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/device/v1/releases/{sha256}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A signed release manifest envelope by the SHA-256 of its bytes (as deployment docs name it) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    sha256: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the envelope bytes */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trust": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The newest trust document, its expiry, and the release keys the hub holds and signs with */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description trust */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            version: number;
                            expires: string;
                            root: {
                                keyids: string[];
                                threshold: number;
                            };
                            release: {
                                keyids: string[];
                                threshold: number;
                            };
                            /** @description days until expires (negative once expired) */
                            expiresInDays: number;
                            /** @description within 30 days of expiry, and after: what to do */
                            warning: string | null;
                            /** @description the oldest version kept; devices pinned below it cannot walk to the newest */
                            firstVersion: number;
                            /** @description the release keys the hub signs with: held, and named by the newest version */
                            signingKeyids: string[];
                            /** @description every keys/release*.pem in the data dir */
                            heldReleaseKeys: {
                                keyid: string;
                                file: string;
                                signing: boolean;
                            }[];
                            envelope: {
                                payload: string;
                                signatures: {
                                    keyid: string;
                                    sig: string;
                                }[];
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Publish the next trust document version (signed offline by the root thresholds of the newest version and of its own) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        payload: string;
                        signatures: {
                            keyid: string;
                            sig: string;
                        }[];
                    };
                };
            };
            responses: {
                /** @description the same document was published already */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            version: number;
                            expires: string;
                            root: {
                                keyids: string[];
                                threshold: number;
                            };
                            release: {
                                keyids: string[];
                                threshold: number;
                            };
                            /** @description false: this exact document was published already */
                            created: boolean;
                            /** @description signed again under the new release keys */
                            resigned: {
                                manifests: number;
                                deploymentDocs: number;
                            };
                        };
                    };
                };
                /** @description published: stored, audited, retained on the trust topic; what the old release keys signed is signed again */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            version: number;
                            expires: string;
                            root: {
                                keyids: string[];
                                threshold: number;
                            };
                            release: {
                                keyids: string[];
                                threshold: number;
                            };
                            /** @description false: this exact document was published already */
                            created: boolean;
                            /** @description signed again under the new release keys */
                            resigned: {
                                manifests: number;
                                deploymentDocs: number;
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trust/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every version of the trust document the hub keeps, oldest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description versions */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            versions: {
                                version: number;
                                expires: string;
                                root: {
                                    keyids: string[];
                                    threshold: number;
                                };
                                release: {
                                    keyids: string[];
                                    threshold: number;
                                };
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/trust/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One version of the trust document with its signed envelope */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    version: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the version */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            version: number;
                            expires: string;
                            root: {
                                keyids: string[];
                                threshold: number;
                            };
                            release: {
                                keyids: string[];
                                threshold: number;
                            };
                            envelope: {
                                payload: string;
                                signatures: {
                                    keyid: string;
                                    sig: string;
                                }[];
                            };
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/device/v1/trust/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One version of the trust document, as its signed envelope bytes (devices walk the chain one version at a time) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    version: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the envelope bytes */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/broker/v1/authenticate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** An external broker's authentication hook (EMQX 5 HTTP authenticator): may this client connect? */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        clientid: string;
                        username: string;
                        password: string;
                        /** @description the client's address, as the broker sees it */
                        peerhost?: string;
                    };
                };
            };
            responses: {
                /** @description allow, deny, or ignore (not a device) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            result: "allow" | "deny" | "ignore";
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/broker/v1/authorize": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** An external broker's authorization hook (EMQX 5 HTTP authorizer): may this client publish or subscribe here? */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        clientid: string;
                        username: string;
                        topic: string;
                        /** @enum {string} */
                        action: "publish" | "subscribe";
                        /** @description publish only: true or 'true' means a retained publish (EMQX's ${retain}); anything else means not retained */
                        retain?: boolean | string;
                    };
                };
            };
            responses: {
                /** @description allow, deny, or ignore (not a device) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            result: "allow" | "deny" | "ignore";
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The current session (its CSRF token, expiry and scope) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description signed in */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description send it back in X-CSRF-Token on POST, PUT, PATCH and DELETE */
                            csrfToken: string;
                            /** @description at the latest 8 hours after sign-in, sooner if the token that signed in expires sooner */
                            expiresAt: string;
                            /**
                             * @description what the session may do: the scope of the token that signed in
                             * @enum {string}
                             */
                            scope: "read" | "operator" | "admin";
                            /** @description the admin token that signed in; null for the bootstrap token */
                            token: {
                                id: string;
                                name: string;
                            } | null;
                        };
                    };
                };
                /** @description signed in with a bearer token, not a session */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Sign in with an admin token or a sign-in link: sets the HttpOnly session cookie */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description an admin token: the bootstrap one, or one made with POST /api/v1/admin-tokens */
                        token: string;
                    } | {
                        /** @description the code of a one-time sign-in link (POST /api/v1/session/links) */
                        link: string;
                    };
                };
            };
            responses: {
                /** @description signed in */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description send it back in X-CSRF-Token on POST, PUT, PATCH and DELETE */
                            csrfToken: string;
                            /** @description at the latest 8 hours after sign-in, sooner if the token that signed in expires sooner */
                            expiresAt: string;
                            /**
                             * @description what the session may do: the scope of the token that signed in
                             * @enum {string}
                             */
                            scope: "read" | "operator" | "admin";
                            /** @description the admin token that signed in; null for the bootstrap token */
                            token: {
                                id: string;
                                name: string;
                            } | null;
                        };
                    };
                };
                /** @description wrong token, or a spent, expired or unknown link */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description too many failed sign-ins from this address; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        /** Sign out: ends the session on every replica and clears the cookie */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description signed out */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/session/links": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A one-time console sign-in link (what `npm run demo` prints): the first browser to open it is signed in, with the scope of the token that made the link; the body may be empty */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description how long the link stays usable; default 900 s */
                        ttlS?: number;
                    };
                };
            };
            responses: {
                /** @description the link */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code: string;
                            /** @description the console's address that signs in with the code (the code rides in the fragment, never sent to a server) */
                            url: string;
                            expiresAt: string;
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Server-sent events: `audit` for every audit row as it commits (id = the row id; Last-Event-ID resumes) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description text/event-stream */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": unknown;
                    };
                };
                /** @description too many streams open on this hub */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The fleet at a glance: devices online and offline, versions in service, active rollouts, open alerts, recent audit */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the overview */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            devices: {
                                inService: number;
                                online: number;
                                offline: number;
                            };
                            /** @description what devices in service report running, most widespread first */
                            versions: {
                                model: string;
                                version: string;
                                devices: number;
                            }[];
                            runningNothing: number;
                            /** @description running, paused and halted rollouts */
                            rollouts: {
                                id: string;
                                model: string;
                                version: string;
                                state: string;
                                step: number;
                                steps: number;
                                devices: {
                                    [key: string]: number;
                                };
                            }[];
                            alerts: {
                                open: number;
                                latest: {
                                    id: string;
                                    model: string;
                                    version: string;
                                    scope: string;
                                    severity: string;
                                    openedAt: string;
                                }[];
                            };
                            /** @description the latest 20 entries, newest first */
                            audit: {
                                id: number;
                                at: string;
                                actor: string;
                                action: string;
                                subject: string;
                            }[];
                        };
                    };
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The admin console (sign in with the admin token) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the console page */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": unknown;
                    };
                };
                /** @description the console is not built (npm run build) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/web": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The edge-inference page: draw a digit, the fleet's model answers in the browser (enrol with the operator's link, /web#enrol=<token>) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the page */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": unknown;
                    };
                };
                /** @description the page is not built (npm run build) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/web-runtime/ort/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** onnxruntime-web's wasm runtime for browser runtimes (ort-wasm-simd-threaded.wasm and .mjs); gzipped when the browser accepts it */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description the file */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/wasm": unknown;
                    };
                };
                /** @description not a file of the wasm runtime */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description error */
                default: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
