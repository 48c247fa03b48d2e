/**
 * @module client/api-types
 * Generated from docs/openapi.json by `npm run openapi` (openapi-typescript): do not edit.
 */
export interface paths {
    "/console/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who the caller is, and (with the session cookie) the session's CSRF token and expiry
         * @description With an API key instead of the cookie, `csrfToken` and `expiresAt` are null.
         */
        get: operations["getConsoleSession"];
        put?: never;
        /**
         * Sign in to the console: exchange an API key for a session cookie
         * @description The key is sent in the body, not as a bearer header; the answer sets the session cookie and names the key and the session's CSRF token, which state-changing requests made with the cookie send in `x-waymark-csrf`. Refused from another origin (even one allowed for CORS).
         */
        post: operations["signInConsole"];
        /** Sign out of the console: the session ends and its cookie is cleared */
        delete: operations["signOutConsole"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics: in-process counters and histograms, and gauges of the database's current state
         * @description The series span every tenant: only keys of tenant 'default' may scrape them (others get 403 forbidden). Send the key as `Authorization: Bearer <key>` (Prometheus `authorization: { credentials: ... }`).
         *
         *     Needs the `metrics` permission (roles: metrics, viewer, approver, operator, admin).
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: the database answers too */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/approvals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List approvals, newest first
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["listApprovals"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/approvals/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An approval
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getApproval"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/approvals/{id}/decision": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Approve (optionally with edits) or reject a pending approval
         * @description Needs the `decide` permission (roles: approver, admin).
         */
        post: operations["decideApproval"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's audit log, newest first: keys created and revoked, refused requests
         * @description Needs the `admin` permission (roles: admin).
         */
        get: operations["getAuditLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/breakers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Circuit breakers of tools: state, failures, when opened, next probe, the caller's waiting calls
         * @description Breakers are shared by every tenant (a dependency is down for everyone); waiting calls are counted in the caller's tenant.
         *
         *     Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["listBreakers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/breakers/{name}/reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Close a breaker (calls go through again) or force it open (calls wait, no probe, until a reset)
         * @description A breaker is shared by every tenant: only operators of tenant 'default' may change it (others get 403 forbidden). The calls waiting on it are woken to look again.
         *
         *     Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["resetBreaker"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/costs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's model-call totals by workflow, tenant or UTC day
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getCostReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List dead letters (runs that failed for good), newest first
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["listDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/{runId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A dead letter
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getDeadLetter"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/{runId}/discard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Discard a dead letter: kept for audit, never retried
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["discardDeadLetter"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/dead-letters/{runId}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry from the failing step (a fork; earlier steps are not run again)
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["retryDeadLetter"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{source}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A signed webhook event, delivered to the runs waiting for its (type, key)
         * @description Authenticated by the header `waymark-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, made with the source's secret (not an API key). An event id received again with the same content is a duplicate (200).
         */
        post: operations["ingestEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/inbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The inbox: pending approvals the caller may decide now
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getInbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's API keys (never their secrets)
         * @description Needs the `admin` permission (roles: admin).
         */
        get: operations["listKeys"];
        put?: never;
        /**
         * Create an API key; its secret is in this answer only (stored hashed)
         * @description Needs the `admin` permission (roles: admin).
         */
        post: operations["createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke a key at once
         * @description Needs the `admin` permission (roles: admin).
         */
        post: operations["revokeKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who the server takes the caller for: name, tenant, roles, key id */
        get: operations["getMe"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI 3.1 document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List runs, newest first
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["listRuns"];
        put?: never;
        /**
         * Start a run
         * @description Validates the input against the workflow's schema and enqueues the run, in one transaction. With an `Idempotency-Key`, a repeated request returns the run the first one started (200). Queue controls: `priority` orders a tenant's queued runs (0 first, 1000 last, default 500); `partitionKey` is required by workflows declared partitioned (422 `partition_key_required` otherwise, nothing written); `deduplicationId` refuses the start (409 `run_deduplicated`, naming the run) while a run of the workflow with that id has not ended; `debounce` folds starts with its key into the delayed run of that key (200 with that run: it executes once, `delayMs` after the last start, with the latest input).
         *
         *     Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["startRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getRun"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a queued, executing or waiting (also parked) run
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["cancelRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/children": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run's child runs, in the order it started them (the first 1000)
         * @description Each child with its workflow, status and phase; `held` while its call's concurrency cap keeps it waiting. Every child is a run of its own: `GET /v1/runs/{childId}`, and `GET /v1/runs?parent={id}` pages them.
         *
         *     Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getRunChildren"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/cost": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run's model calls, their cost and its budget counters
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getRunCost"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/fork": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a new run from a step of an existing one (earlier steps are replayed)
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["forkRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/result": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run's result, waiting for it to end
         * @description A long poll: answers 200 with the run (its output or error) as soon as it has ended, or 202 with its state when `wait` is over (then ask again). Without `wait` it answers at once.
         *
         *     Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getRunResult"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a cancelled or failed run from its last checkpoint
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["resumeRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run's live stream as server-sent events: streaming model calls' parts, phase changes and the end
         * @description Each event's `id` is its number in the run's stream and its `data` one line of JSON (`type`, `at` and the event's data). Reconnecting with `Last-Event-ID` (or `?after=`) resumes exactly after that event; the header wins over the query. The response ends after the run's `end` event.
         *
         *     Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["streamRun"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run's timeline: steps, events and tool calls in order
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getRunTimeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/tool-calls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A run's tool calls (the ledger)
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["listToolCalls"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/tool-calls/{key}/resolve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resolve an in-doubt tool call: it happened (with its output) or it did not (the run calls the tool again)
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["resolveToolCall"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/runs/{id}/transcript": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A page of a run's agent transcripts (every thread, or one), in (thread, sequence) order
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getRunTranscript"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's schedules, by name, with their next and last tick
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["listSchedules"];
        put?: never;
        /**
         * Create a schedule: a run of the workflow at every tick of the cron expression
         * @description Its first tick is the first cron time after now. The input is checked against the workflow now, not first at the tick. Each tick starts one run, with an id made from the schedule and the tick.
         *
         *     Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["createSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A schedule
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["getSchedule"];
        put?: never;
        post?: never;
        /**
         * Delete a schedule (the runs it started stay; one declared in code comes back at the next start-up)
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        delete: operations["deleteSchedule"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop a schedule from starting runs until it is resumed
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["pauseSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{name}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Let a paused schedule tick again from the next cron time (the ticks it missed are not run)
         * @description Needs the `operate` permission (roles: operator, admin).
         */
        post: operations["resumeSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tool-calls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's tool calls in one status, oldest first (by default the in-doubt calls waiting for a person)
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["listToolCallsByStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Application versions still holding runs, and their live workers
         * @description Only admins of tenant 'default' (the installation's) may call this; others get 403 forbidden.
         *
         *     Needs the `admin` permission (roles: admin).
         */
        get: operations["listVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Workers, their leases and how many runs each holds
         * @description Only admins of tenant 'default' (the installation's) may call this; others get 403 forbidden.
         *
         *     Needs the `admin` permission (roles: admin).
         */
        get: operations["listWorkers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The workflows a run can start, with the JSON Schema of each input and the business states each declares
         * @description Needs the `read` permission (roles: viewer, approver, operator, admin).
         */
        get: operations["listWorkflows"];
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
    schemas: {
        ApiKey: {
            /** @description ISO 8601 date-time */
            createdAt: string;
            createdBy: string;
            id: string;
            lastUsedAt: string | null;
            name: string;
            revokedAt: string | null;
            revokedBy: string | null;
            roles: string[];
            tenantId: string;
        };
        Approval: {
            assignees: {
                roles: string[];
                users: string[];
            };
            comment: string | null;
            /** @description ISO 8601 date-time */
            createdAt: string;
            deadlineAt: string | null;
            deadlineOutcome: string | null;
            decidedAt: string | null;
            decidedBy: string | null;
            diff: unknown;
            edits: unknown;
            editSchema: {
                [key: string]: unknown;
            } | null;
            escalationLevel: number;
            id: string;
            proposal: unknown;
            remindersSent: number;
            runId: string;
            status: string;
            title: string;
            value: unknown;
        };
        AuditEntry: {
            action: string;
            actor: string;
            /** @description ISO 8601 date-time */
            at: string;
            data: {
                [key: string]: unknown;
            } | null;
            id: string;
            keyId: string | null;
            requestId: string | null;
            target: string | null;
        };
        Breaker: {
            /** @description When operators were alerted that it stays open */
            escalatedAt: string | null;
            /** @description Transient failures in a row counted so far */
            failures: number;
            /** @description Forced open by an operator: no probe until a reset */
            forced: boolean;
            lastError: components["schemas"]["PublicError"] | null;
            lastFailureAt: string | null;
            name: string;
            /** @description When the next call may probe the dependency (open, not forced) */
            nextProbeAt: string | null;
            /** @description When this opening began */
            openedAt: string | null;
            /** @description Until when the half-open probe holds the breaker */
            probeUntil: string | null;
            /** @enum {string} */
            state: "closed" | "open" | "half_open";
            /** @description Tools of the answering process that declare it */
            tools: string[];
            /** @description Calls of the caller's tenant waiting on it */
            waitingCalls: number;
        };
        ChildRun: {
            businessKey: string | null;
            /** @description ISO 8601 date-time */
            createdAt: string;
            endedAt: string | null;
            /** @description The startChildren call that started it: `<parent>:<step>` */
            groupId: string;
            /** @description Waiting for a place under its call's concurrency cap */
            held: boolean;
            id: string;
            parked: boolean;
            phase: string;
            /** @description Its index in that call */
            position: number;
            /** @description DBOS execution status; DELAYED while the concurrency cap holds the child back */
            status: string;
            workflow: string;
        };
        ConsoleSession: {
            /** @description Send in `x-waymark-csrf` with state-changing requests made with the cookie; null with an API key */
            csrfToken: string | null;
            /** @description When the session ends; null with an API key */
            expiresAt: string | null;
            keyId: string;
            name: string;
            roles: string[];
            tenantId: string;
        };
        CostTotals: {
            attempts: number;
            cachedInputTokens: number;
            calls: number;
            cost: number | null;
            inputTokens: number;
            outputTokens: number;
            reasoningTokens: number;
            unpricedAttempts: number;
        };
        DeadLetter: {
            cause: string;
            /** @description ISO 8601 date-time */
            createdAt: string;
            error: components["schemas"]["PublicError"] | null;
            failingStep: {
                error: components["schemas"]["PublicError"] | null;
                id: number;
                name: string;
            } | null;
            recoveryAttempts: number;
            resolution: string | null;
            resolvedAt: string | null;
            resolvedBy: string | null;
            retryFromStep: number;
            retryRunId: string | null;
            runId: string;
            status: string;
            toolAttempts: number;
            toolFailure: {
                attempts?: number;
                cause?: string;
                key?: string;
                lastError?: components["schemas"]["PublicError"] | null;
                reason?: string;
                tool?: string;
            } | null;
            workflow: string;
        };
        /** @description An RFC 9457 problem; `code` is stable (see docs/errors.md). Validation problems carry `issues`. */
        Problem: {
            code: string;
            detail: string;
            instance?: string;
            issues?: {
                in: string;
                message: string;
                path: string[];
            }[];
            /** @description With 429: also sent as Retry-After */
            retryAfterSeconds?: number;
            status: number;
            title: string;
            /** @description `urn:waymark:problem:<code>` */
            type: string;
        } & {
            [key: string]: unknown;
        };
        PublicError: {
            code?: string;
            message: string;
            name: string;
            retryable?: boolean;
            retryAfterMs?: number;
            sqlState?: string;
        };
        Run: {
            appVersion: string | null;
            /** @description What the run is about in the business (`lead:123`), as given at start */
            businessKey: string | null;
            completedAt: string | null;
            /** @description ISO 8601 date-time */
            createdAt: string;
            createdBy: string;
            error: components["schemas"]["PublicError"] | null;
            executorId: string | null;
            forkedFrom: string | null;
            id: string;
            idempotencyKey: string | null;
            input: unknown;
            output: unknown;
            /** @description The run that started this one as its child; its children: `GET /v1/runs/{id}/children` */
            parentRunId: string | null;
            /** @description True while the run waits parked: no execution in any worker; the answer or its next timer resumes it */
            parked: boolean;
            /** @description The partition key it was started with (workflows declared partitioned) */
            partitionKey: string | null;
            /** @description Waymark business phase */
            phase: string;
            /** @description Queue priority: 0 runs first, 1000 last (default 500) */
            priority: number;
            startedAt: string | null;
            /** @description The run's own business state, as its workflow declared them (null: it declares none) */
            state: string | null;
            /** @description DBOS execution status: ENQUEUED, PENDING, SUCCESS, ERROR, CANCELLED, ... */
            status: string;
            tenantId: string;
            /** @description ISO 8601 date-time */
            updatedAt: string;
            workflow: string;
        };
        Schedule: {
            businessKey: string | null;
            /** @enum {string} */
            catchUp: "skip" | "all";
            /** @description ISO 8601 date-time */
            createdAt: string;
            createdBy: string;
            cron: string;
            /** @description Declared in code (a start-up rewrites its definition; pausing it sticks) */
            declared: boolean;
            input: unknown;
            /** @description Why the last due tick started no run; null when it did */
            lastError: string | null;
            lastRunId: string | null;
            lastTickAt: string | null;
            maxCatchUp: number;
            name: string;
            /** @description The next tick that will start a run (while paused: the one it would have) */
            nextTickAt: string;
            /** @description The partition key of every run it starts */
            partitionKey: string | null;
            paused: boolean;
            pausedAt: string | null;
            pausedBy: string | null;
            /** @description The priority of every run it starts (null: the default, 500) */
            priority: number | null;
            timezone: string;
            workflow: string;
        };
        StateMachine: {
            /** @description Event types that move a run (when delivered to one of its waits), and where to */
            events: {
                to: string;
                type: string;
            }[];
            /** @description The state a run starts in */
            initial: string;
            /** @description Every declared state */
            states: string[];
            /** @description The allowed moves */
            transitions: {
                /** @description A state, or '*' for any state */
                from: string;
                to: string;
            }[];
        };
        TimelineEntry: {
            actor?: string;
            /** @description ISO 8601 date-time */
            at: string;
            childRunId?: string | null;
            data?: {
                [key: string]: unknown;
            };
            endedAt?: string | null;
            error?: components["schemas"]["PublicError"] | null;
            fromPhase?: string | null;
            name: string;
            output?: unknown;
            reason?: string | null;
            startedAt?: string | null;
            stepId?: number;
            toPhase?: string | null;
            /** @enum {string} */
            type: "step" | "event" | "tool_call";
        };
        ToolCall: {
            args: unknown;
            attempts: number;
            /** @description ISO 8601 date-time */
            createdAt: string;
            effect: string;
            finishedAt: string | null;
            idempotent: boolean;
            key: string;
            lastError: components["schemas"]["PublicError"] | null;
            nextAttemptAt: string | null;
            ownerRunId: string;
            resolution: unknown;
            result: unknown;
            runId: string;
            startedAt: string | null;
            status: string;
            stepId: number;
            tool: string;
        };
        TranscriptMessage: {
            /** @description The model message's content (secret fields redacted) */
            content: unknown;
            /** @description ISO 8601 date-time */
            createdAt: string;
            /** @enum {string} */
            kind: "message" | "summary";
            /** @description Where untrusted content came from; null for the workflow's own prompt and the model's answers */
            provenance: {
                /** @description e.g. `tool:crm.lookup`, `webhook:stripe` */
                source: string;
                /** @constant */
                trusted: false;
            } | null;
            /** @enum {string} */
            role: "system" | "user" | "assistant" | "tool";
            seq: number;
            thread: string;
            turn: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getConsoleSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsoleSession"];
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /** @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    signInConsole: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    apiKey: string;
                };
            };
        };
        responses: {
            /** @description Signed in */
            200: {
                headers: {
                    /** @description The session cookie: `waymark_session` (`__Host-waymark_session` over TLS), HttpOnly, SameSite=Strict, Path=/ */
                    "set-cookie"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsoleSession"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_body`: The request body does not match what the route takes. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    signOutConsole: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Signed out (the cookie is cleared) */
            204: {
                headers: {
                    /** @description The session cookie: `waymark_session` (`__Host-waymark_session` over TLS), HttpOnly, SameSite=Strict, Path=/ */
                    "set-cookie"?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok" | "ready";
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain; version=0.0.4; charset=utf-8": string;
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        status: "ok" | "ready";
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /** @description `database_unavailable`: The database could not be reached, or the connection was lost. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_unavailable";
                    };
                };
            };
        };
    };
    listApprovals: {
        parameters: {
            query?: {
                assignee?: string;
                cursor?: string;
                limit?: number;
                /** @description `true`: only approvals the caller may decide */
                mine?: "true" | "false";
                role?: string;
                runId?: string;
                status?: "pending" | "approved" | "rejected" | "expired" | "cancelled";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of approvals */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvals: components["schemas"]["Approval"][];
                        nextCursor: string | null;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_cursor`: The cursor is not one returned as nextCursor.
             *
             *     `invalid_query`: A query parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_cursor" | "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getApproval: {
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
            /** @description The approval */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Approval"];
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `approval_not_found`: No approval with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "approval_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    decideApproval: {
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
                    /** @description Who decides: if given, it must be the authenticated principal */
                    by?: string;
                    comment?: string;
                    /** @enum {string} */
                    decision: "approve" | "reject";
                    /** @description Changes to the proposal; must match the approval's edit schema */
                    edits?: unknown;
                };
            };
        };
        responses: {
            /** @description The decided approval */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Approval"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `actor_mismatch`: A `by` field names someone other than the authenticated principal.
             *
             *     `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             *
             *     `not_an_assignee`: Only an assignee of the approval (by name or role) or an admin may decide it.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "actor_mismatch" | "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden" | "not_an_assignee";
                    };
                };
            };
            /** @description `approval_not_found`: No approval with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "approval_not_found";
                    };
                };
            };
            /**
             * @description `approval_already_decided`: The approval was decided before; this decision changes nothing.
             *
             *     `approval_cancelled`: The approval was cancelled with its run.
             *
             *     `approval_expired`: The approval passed its deadline.
             *
             *     `approval_not_pending`: The approval is not pending.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "approval_already_decided" | "approval_cancelled" | "approval_expired" | "approval_not_pending";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `edits_not_allowed`: Edits were sent with a rejection, or the approval allows none.
             *
             *     `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_edits`: A reviewer's edits do not match the approval's edit schema.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "edits_not_allowed" | "invalid_body" | "invalid_edits" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getAuditLog: {
        parameters: {
            query?: {
                /** @description Only this action (key.created, key.revoked, access.denied) */
                action?: string;
                /** @description nextBefore of the previous page */
                before?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of entries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        entries: components["schemas"]["AuditEntry"][];
                        /** @description Pass as `before` for older entries; null when there are none */
                        nextBefore: string | null;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_cursor`: The cursor is not one returned as nextCursor.
             *
             *     `invalid_query`: A query parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_cursor" | "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listBreakers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every breaker declared by a tool or that has failed, by name */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        breakers: components["schemas"]["Breaker"][];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    resetBreaker: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    reason?: string;
                    /**
                     * @description 'closed' (default) resets it; 'open' forces it open
                     * @default closed
                     * @enum {string}
                     */
                    state?: "closed" | "open";
                };
            };
        };
        responses: {
            /** @description The breaker after the change */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Breaker"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `breaker_not_found`: No circuit breaker has that name (no tool declares it and it never failed). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "breaker_not_found";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getCostReport: {
        parameters: {
            query?: {
                /** @description Inclusive start: a date (midnight UTC) or a date-time with an offset */
                from?: string;
                groupBy?: "workflow" | "tenant" | "day";
                /** @description Exclusive end: a date (midnight UTC) or a date-time with an offset */
                to?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        from: string | null;
                        /** @enum {string} */
                        groupBy: "workflow" | "tenant" | "day";
                        groups: {
                            attempts: number;
                            cachedInputTokens: number;
                            calls: number;
                            cost: number | null;
                            inputTokens: number;
                            /** @description The workflow name, tenant id or UTC day (YYYY-MM-DD) */
                            key: string;
                            outputTokens: number;
                            reasoningTokens: number;
                            unpricedAttempts: number;
                        }[];
                        to: string | null;
                        totals: components["schemas"]["CostTotals"];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_query`: A query parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listDeadLetters: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
                status?: "open" | "retried" | "discarded";
                workflow?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of dead letters */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deadLetters: components["schemas"]["DeadLetter"][];
                        nextCursor: string | null;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_cursor`: The cursor is not one returned as nextCursor.
             *
             *     `invalid_query`: A query parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_cursor" | "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getDeadLetter: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                runId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The dead letter */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetter"];
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `dead_letter_not_found`: The run has no dead letter. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "dead_letter_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    discardDeadLetter: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                runId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Who acts: if given, it must be the authenticated principal */
                    by?: string;
                    reason: string;
                };
            };
        };
        responses: {
            /** @description The discarded dead letter */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetter"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `actor_mismatch`: A `by` field names someone other than the authenticated principal.
             *
             *     `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "actor_mismatch" | "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `dead_letter_not_found`: The run has no dead letter. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "dead_letter_not_found";
                    };
                };
            };
            /** @description `dead_letter_not_open`: Only open dead letters can be retried or discarded. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "dead_letter_not_open";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    retryDeadLetter: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                runId: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description Who acts: if given, it must be the authenticated principal */
                    by?: string;
                    fromStep?: number;
                    reason?: string;
                };
            };
        };
        responses: {
            /** @description The dead letter, retried (retryRunId names the fork) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeadLetter"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `actor_mismatch`: A `by` field names someone other than the authenticated principal.
             *
             *     `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "actor_mismatch" | "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `dead_letter_not_found`: The run has no dead letter. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "dead_letter_not_found";
                    };
                };
            };
            /**
             * @description `dead_letter_not_open`: Only open dead letters can be retried or discarded.
             *
             *     `fork_inside_wait`: A fork from this step would wait for an answer addressed to the original run; fork from the wait or after its answer.
             *
             *     `run_compensated`: The run was rolled back; start a new run instead.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "dead_letter_not_open" | "fork_inside_wait" | "run_compensated";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_from_step`: fromStep must be a non-negative integer.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_from_step" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    ingestEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                source: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    data?: unknown;
                    id: string;
                    key: string;
                    type: string;
                };
            };
        };
        responses: {
            /** @description The event was received before (same id and content) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deliveredTo: string[];
                        duplicate: boolean;
                        eventId: string;
                        notDelivered: {
                            runId: string;
                            runStatus: string | null;
                        }[];
                        source: string;
                        /** @description The runs the event's triggers start (the same ids on a repeated delivery, which starts nothing new) */
                        triggeredRuns: string[];
                    };
                };
            };
            /** @description The event was stored and delivered to the waiting runs */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deliveredTo: string[];
                        duplicate: boolean;
                        eventId: string;
                        notDelivered: {
                            runId: string;
                            runStatus: string | null;
                        }[];
                        source: string;
                        /** @description The runs the event's triggers start (the same ids on a repeated delivery, which starts nothing new) */
                        triggeredRuns: string[];
                    };
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `invalid_signature`: A webhook signature is missing, malformed, wrong or too old. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_signature";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required";
                    };
                };
            };
            /** @description `unknown_event_source`: No webhook source with this name is configured. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unknown_event_source";
                    };
                };
            };
            /** @description `event_id_reused`: An event id was received before with other content. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "event_id_reused";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_event`: A webhook body is not a valid event.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_event" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getInbox: {
        parameters: {
            query?: {
                assignee?: string;
                cursor?: string;
                limit?: number;
                role?: string;
                runId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of approvals */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        approvals: components["schemas"]["Approval"][];
                        nextCursor: string | null;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_cursor`: The cursor is not one returned as nextCursor.
             *
             *     `invalid_query`: A query parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_cursor" | "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        keys: components["schemas"]["ApiKey"][];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    createKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    roles: string[];
                };
            };
        };
        responses: {
            /** @description The key and its secret */
            201: {
                headers: {
                    /** @description The key: /v1/keys/{id} */
                    location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        apiKey: components["schemas"]["ApiKey"];
                        /** @description The secret, shown once: send it as `Authorization: Bearer <key>` */
                        key: string;
                    };
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_body`: The request body does not match what the route takes. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    revokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description The revoked key */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `api_key_not_found`: No API key with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "api_key_not_found";
                    };
                };
            };
            /** @description `last_admin_key`: The tenant's last admin key cannot be revoked; create another admin key first. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "last_admin_key";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The principal */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        keyId: string;
                        name: string;
                        roles: string[];
                        tenantId: string;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /** @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /** @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listRuns: {
        parameters: {
            query?: {
                cursor?: string;
                /** @description Created at or after: a date (midnight UTC) or a date-time with an offset */
                from?: string;
                /** @description The idempotency key the run was started with (an order number, a claim id ...) */
                idempotencyKey?: string;
                /** @description The business key the run was started with: which runs touched `lead:123` */
                key?: string;
                limit?: number;
                /** @description Only the child runs of this run */
                parent?: string;
                phase?: "queued" | "running" | "waiting_for_approval" | "waiting_for_event" | "escalated" | "compensating" | "completed" | "failed" | "cancelled" | "rolled_back" | "compensation_failed";
                /** @description Only runs in this business state of their workflow's own (`confirmed`) */
                state?: string;
                status?: "ENQUEUED" | "DELAYED" | "PENDING" | "SUCCESS" | "ERROR" | "CANCELLED" | "MAX_RECOVERY_ATTEMPTS_EXCEEDED";
                /** @description Created before: a date (midnight UTC) or a date-time with an offset */
                to?: string;
                workflow?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of runs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Pass as `cursor` for the next page; null on the last page */
                        nextCursor: string | null;
                        runs: components["schemas"]["Run"][];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_cursor`: The cursor is not one returned as nextCursor.
             *
             *     `invalid_query`: A query parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_cursor" | "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    startRun: {
        parameters: {
            query?: never;
            header?: {
                /** @description Return the earlier run for a repeated key (unique per tenant) */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description What the run is about in the business (`lead:123`): `GET /v1/runs?key=` lists by it */
                    businessKey?: string;
                    /** @description Fold starts with this key into one delayed run, executed once with the latest input */
                    debounce?: {
                        /** @description The run executes this long after the last start with its key */
                        delayMs: number;
                        key: string;
                    };
                    /** @description While a run of this workflow with this id has not ended, another start with it is refused (409 run_deduplicated) */
                    deduplicationId?: string;
                    /** @description The run's id (default a random UUID): letters, digits and `. _ : @ -`; unique across the installation (409 run_id_taken when any run has it) */
                    id?: string;
                    input?: unknown;
                    /** @description The partition of a workflow declared partitioned (`customer:42`): its partition limits hold per key. Required for those, refused for others */
                    partitionKey?: string;
                    /** @description Order among the tenant's queued runs of the workflow's queue: 0 runs first, 1000 last (default 500) */
                    priority?: number;
                    workflow: string;
                };
            };
        };
        responses: {
            /** @description The run an earlier request with this Idempotency-Key started, or the delayed run a debounced start folded into */
            200: {
                headers: {
                    /** @description The run: /v1/runs/{id} */
                    location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description The run was started */
            201: {
                headers: {
                    /** @description The run: /v1/runs/{id} */
                    location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `workflow_not_found`: No workflow with this name is registered. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "workflow_not_found";
                    };
                };
            };
            /**
             * @description `idempotency_conflict`: A concurrent request with the same Idempotency-Key could not be read back; retry.
             *
             *     `idempotency_key_reused`: The Idempotency-Key was used before for a different request.
             *
             *     `run_deduplicated`: A run of the workflow with this deduplicationId has not ended yet (its id is in the details); nothing was started.
             *
             *     `run_id_taken`: A run with the chosen id exists already; run ids are unique across the installation.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "idempotency_conflict" | "idempotency_key_reused" | "run_deduplicated" | "run_id_taken";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_business_key`: A business key must be 1-255 printable characters without spaces.
             *
             *     `invalid_headers`: A header is invalid (e.g. an Idempotency-Key with spaces).
             *
             *     `invalid_input`: A run's input does not match its workflow's schema.
             *
             *     `invalid_queue_options`: Queue options of a start are invalid: a partitionKey for a workflow that is not partitioned, a priority out of range, or options that exclude each other.
             *
             *     `invalid_run_id`: A chosen run id is malformed or in a form Waymark reserves ('sched:', 'event:', 'child:', '.fork.', '.compensation').
             *
             *     `partition_key_required`: The workflow is partitioned (its queue declares partition limits): give the run a partitionKey; nothing was started.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_business_key" | "invalid_headers" | "invalid_input" | "invalid_queue_options" | "invalid_run_id" | "partition_key_required";
                    };
                };
            };
            /**
             * @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds.
             *
             *     `tenant_run_limit`: The tenant started as many runs this minute as it may (WAYMARK_TENANT_RUNS_PER_MINUTE); wait for Retry-After seconds.
             *
             *     `tenant_runs_in_flight`: The tenant has as many unfinished runs as it may (WAYMARK_TENANT_RUNS_IN_FLIGHT); wait for some to finish.
             */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited" | "tenant_run_limit" | "tenant_runs_in_flight";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getRun: {
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
            /** @description The run */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    cancelRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description The cancelled run */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `run_not_cancellable`: Only queued or executing runs can be cancelled. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_cancellable";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getRunChildren: {
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
            /** @description The run's children */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        children: components["schemas"]["ChildRun"][];
                        runId: string;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getRunCost: {
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
            /** @description The run's cost */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        budgets: {
                            key: string;
                            limits: {
                                calls: number | null;
                                cost: number | null;
                                tokens: number | null;
                            };
                            reserved: {
                                calls: number;
                                cost: number;
                                tokens: number;
                            };
                            /** @enum {string} */
                            scope: "run" | "workflow_day" | "tenant_day";
                            spent: {
                                calls: number;
                                cost: number;
                                tokens: number;
                            };
                        }[];
                        calls: {
                            attempt: number;
                            cachedInputTokens: number | null;
                            callSite: number;
                            cost: number | null;
                            /** @description ISO 8601 date-time */
                            createdAt: string;
                            error: unknown;
                            finishedAt: string | null;
                            finishReason: string | null;
                            inputTokens: number | null;
                            latencyMs: number | null;
                            mode: string;
                            model: string;
                            name: string;
                            outputTokens: number | null;
                            provider: string;
                            reasoningTokens: number | null;
                            status: string;
                            stepId: number;
                        }[];
                        runId: string;
                        totals: components["schemas"]["CostTotals"];
                        workflow: string;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    forkRun: {
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
                    appVersion?: string;
                    fromStep: number;
                };
            };
        };
        responses: {
            /** @description The fork */
            201: {
                headers: {
                    /** @description The run: /v1/runs/{id} */
                    location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /**
             * @description `fork_inside_wait`: A fork from this step would wait for an answer addressed to the original run; fork from the wait or after its answer.
             *
             *     `run_compensated`: The run was rolled back; start a new run instead.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "fork_inside_wait" | "run_compensated";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_from_step`: fromStep must be a non-negative integer.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_from_step" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getRunResult: {
        parameters: {
            query?: {
                /** @description How long to wait for the end: `30s`, `2m`, `500ms` or milliseconds; at most 10 minutes (default 0) */
                wait?: string | number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The run has ended (succeeded, failed, cancelled or given up) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description The run had not ended when the wait was over: its current state */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_duration`: A duration is neither milliseconds nor a string like '30s' or '3d'.
             *
             *     `invalid_params`: A path parameter is invalid.
             *
             *     `invalid_query`: A query parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_duration" | "invalid_params" | "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    resumeRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description The resumed run */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Run"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /**
             * @description `run_compensated`: The run was rolled back; start a new run instead.
             *
             *     `run_not_resumable`: Only cancelled or failed runs can be resumed.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_compensated" | "run_not_resumable";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    streamRun: {
        parameters: {
            query?: {
                /** @description Resume after this event id (when no Last-Event-ID is sent) */
                after?: string;
            };
            header?: {
                /** @description Resume after this event id (what an EventSource sends when it reconnects) */
                "last-event-id"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The stream (`text/event-stream`), open until the run ends or the client goes */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": unknown;
                };
            };
            /** @description The run has ended and nothing follows the event asked for: an EventSource stops reconnecting */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_headers`: A header is invalid (e.g. an Idempotency-Key with spaces).
             *
             *     `invalid_params`: A path parameter is invalid.
             *
             *     `invalid_query`: A query parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_headers" | "invalid_params" | "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getRunTimeline: {
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
            /** @description The timeline */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        entries: components["schemas"]["TimelineEntry"][];
                        runId: string;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listToolCalls: {
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
            /** @description The ledger entries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        runId: string;
                        toolCalls: components["schemas"]["ToolCall"][];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    resolveToolCall: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    comment?: string;
                    /** @constant */
                    happened: true;
                    output: unknown;
                } | {
                    comment?: string;
                    /** @constant */
                    happened: false;
                };
            };
        };
        responses: {
            /** @description The resolved call */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ToolCall"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /**
             * @description `run_not_found`: No run with this id in the tenant.
             *
             *     `tool_call_not_found`: The run has no tool call with this key.
             */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found" | "tool_call_not_found";
                    };
                };
            };
            /**
             * @description `tool_call_not_in_doubt`: Only in-doubt tool calls can be resolved.
             *
             *     `tool_unknown`: The tool is not defined in this process, so its output cannot be validated.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "tool_call_not_in_doubt" | "tool_unknown";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_output`: The output given for an in-doubt call does not match the tool's schema.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_output" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getRunTranscript: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
                /** @description Only this thread */
                thread?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of transcript messages */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        messages: components["schemas"]["TranscriptMessage"][];
                        /** @description Pass as `cursor` for the next page; null on the last page */
                        nextCursor: string | null;
                        runId: string;
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `run_not_found`: No run with this id in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "run_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_cursor`: The cursor is not one returned as nextCursor.
             *
             *     `invalid_params`: A path parameter is invalid.
             *
             *     `invalid_query`: A query parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_cursor" | "invalid_params" | "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listSchedules: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedules */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        schedules: components["schemas"]["Schedule"][];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    createSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The business key of every run */
                    businessKey?: string;
                    /**
                     * @description After downtime: skip (run only the latest missed tick, the default) or all
                     * @enum {string}
                     */
                    catchUp?: "skip" | "all";
                    /** @description Five fields (minute hour day-of-month month day-of-week), e.g. `0 9 * * 1-5` */
                    cron: string;
                    /** @description The input of every run (default {}) */
                    input?: unknown;
                    /** @description The most missed ticks catch-up `all` runs (default 100) */
                    maxCatchUp?: number;
                    /** @description Unique in the tenant: lower-case words joined by '-', '_' or '.' */
                    name: string;
                    /** @description The partition key of every run: required when the workflow is declared partitioned, refused otherwise */
                    partitionKey?: string;
                    /** @description The priority of every run: 0 (first) to 1000 (last); default 500 */
                    priority?: number;
                    /** @description IANA time zone of the cron expression (default UTC) */
                    timezone?: string;
                    workflow: string;
                };
            };
        };
        responses: {
            /** @description The schedule */
            201: {
                headers: {
                    /** @description The schedule: /v1/schedules/{name} */
                    location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `workflow_not_found`: No workflow with this name is registered. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "workflow_not_found";
                    };
                };
            };
            /** @description `schedule_name_taken`: The tenant has a schedule with this name already. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "schedule_name_taken";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_business_key`: A business key must be 1-255 printable characters without spaces.
             *
             *     `invalid_input`: A run's input does not match its workflow's schema.
             *
             *     `invalid_queue_options`: Queue options of a start are invalid: a partitionKey for a workflow that is not partitioned, a priority out of range, or options that exclude each other.
             *
             *     `invalid_schedule`: A schedule's cron expression, time zone, input or catch-up policy is invalid.
             *
             *     `partition_key_required`: The workflow is partitioned (its queue declares partition limits): give the run a partitionKey; nothing was started.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_business_key" | "invalid_input" | "invalid_queue_options" | "invalid_schedule" | "partition_key_required";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    getSchedule: {
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
            /** @description The schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `schedule_not_found`: No schedule with this name in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "schedule_not_found";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    deleteSchedule: {
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
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `schedule_not_found`: No schedule with this name in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "schedule_not_found";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_params`: A path parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    pauseSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description The paused schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `schedule_not_found`: No schedule with this name in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "schedule_not_found";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    resumeSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description The resumed schedule */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /**
             * @description `malformed_body`: The request body could not be decoded (truncated or corrupt compression, wrong charset).
             *
             *     `malformed_json`: A body or option is not valid JSON.
             *
             *     `malformed_path`: The path has malformed percent-encoding.
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_body" | "malformed_json" | "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `csrf_header_required`: A state-changing request needs a JSON body or the header x-waymark-csrf: 1.
             *
             *     `csrf_token_invalid`: A state-changing request made with a console session cookie needs the session's CSRF token in x-waymark-csrf.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "csrf_header_required" | "csrf_token_invalid" | "forbidden";
                    };
                };
            };
            /** @description `schedule_not_found`: No schedule with this name in the tenant. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "schedule_not_found";
                    };
                };
            };
            /** @description `body_too_large`: The request body exceeds the configured limit. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "body_too_large";
                    };
                };
            };
            /**
             * @description `unsupported_encoding`: The request body encoding is not supported.
             *
             *     `unsupported_media_type`: Request bodies must be application/json.
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unsupported_encoding" | "unsupported_media_type";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /**
             * @description `invalid_body`: The request body does not match what the route takes.
             *
             *     `invalid_params`: A path parameter is invalid.
             */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_body" | "invalid_params";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listToolCallsByStatus: {
        parameters: {
            query?: {
                limit?: number;
                status?: "started" | "succeeded" | "failed" | "in_doubt" | "reconciled";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The calls */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        toolCalls: components["schemas"]["ToolCall"][];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `invalid_query`: A query parameter is invalid. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "invalid_query";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listVersions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The versions */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        versions: {
                            appVersion: string;
                            executing: number;
                            inFlight: number;
                            liveWorkers: string[];
                            /** @description Waiting runs whose execution ended (a message or their timer resumes them) */
                            parked: number;
                            queued: number;
                        }[];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listWorkers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The workers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        workers: {
                            adoptedAt: string | null;
                            adoptedBy: string | null;
                            adoptedRuns: number | null;
                            appName: string;
                            appVersion: string;
                            executorId: string;
                            /** @description ISO 8601 date-time */
                            heartbeatAt: string;
                            host: string;
                            /** @description ISO 8601 date-time */
                            leaseExpiresAt: string;
                            pendingRuns: number;
                            pid: number;
                            /** @description ISO 8601 date-time */
                            startedAt: string;
                            status: string;
                        }[];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
    listWorkflows: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The registered workflows */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        workflows: {
                            description: string;
                            /** @description JSON Schema of the workflow's input */
                            inputSchema: {
                                [key: string]: unknown;
                            };
                            name: string;
                            /** @description The business states the workflow declares (null: none) */
                            states: components["schemas"]["StateMachine"] | null;
                        }[];
                    };
                };
            };
            /** @description `malformed_path`: The path has malformed percent-encoding. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "malformed_path";
                    };
                };
            };
            /** @description `unauthenticated`: No valid API key: send `Authorization: Bearer <key>` (a key that exists and is not revoked). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "unauthenticated";
                    };
                };
            };
            /**
             * @description `cross_origin_request`: A browser request from another origin (Origin, Sec-Fetch-Site) not allowed by WAYMARK_CORS_ORIGINS.
             *
             *     `forbidden`: The key's roles do not grant what the request needs; the refusal is in the audit log.
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "cross_origin_request" | "forbidden";
                    };
                };
            };
            /** @description `host_not_allowed`: The Host header names a host this server does not answer to (WAYMARK_ALLOWED_HOSTS). */
            421: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "host_not_allowed";
                    };
                };
            };
            /** @description `rate_limited`: Too many requests from this caller; wait for Retry-After seconds. */
            429: {
                headers: {
                    /** @description Seconds to wait */
                    "retry-after"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "rate_limited";
                    };
                };
            };
            /** @description `internal_error`: An unexpected error; it was logged on the server. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "internal_error";
                    };
                };
            };
            /**
             * @description `database_timeout`: A statement ran past the statement timeout.
             *
             *     `database_unavailable`: The database could not be reached, or the connection was lost.
             */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code: "database_timeout" | "database_unavailable";
                    };
                };
            };
        };
    };
}

/** Each operation's method and path, for the client to call it by its id. */
export const OPERATION_ROUTES = {
    getHealth: ['GET', '/healthz'],
    getReadiness: ['GET', '/readyz'],
    getOpenApiDocument: ['GET', '/v1/openapi.json'],
    getMe: ['GET', '/v1/me'],
    listKeys: ['GET', '/v1/keys'],
    createKey: ['POST', '/v1/keys'],
    revokeKey: ['POST', '/v1/keys/{id}/revoke'],
    getAuditLog: ['GET', '/v1/audit-log'],
    listWorkflows: ['GET', '/v1/workflows'],
    startRun: ['POST', '/v1/runs'],
    listRuns: ['GET', '/v1/runs'],
    getRun: ['GET', '/v1/runs/{id}'],
    getRunResult: ['GET', '/v1/runs/{id}/result'],
    getRunTimeline: ['GET', '/v1/runs/{id}/timeline'],
    getRunTranscript: ['GET', '/v1/runs/{id}/transcript'],
    cancelRun: ['POST', '/v1/runs/{id}/cancel'],
    resumeRun: ['POST', '/v1/runs/{id}/resume'],
    forkRun: ['POST', '/v1/runs/{id}/fork'],
    getRunChildren: ['GET', '/v1/runs/{id}/children'],
    streamRun: ['GET', '/v1/runs/{id}/stream'],
    listSchedules: ['GET', '/v1/schedules'],
    createSchedule: ['POST', '/v1/schedules'],
    getSchedule: ['GET', '/v1/schedules/{name}'],
    deleteSchedule: ['DELETE', '/v1/schedules/{name}'],
    pauseSchedule: ['POST', '/v1/schedules/{name}/pause'],
    resumeSchedule: ['POST', '/v1/schedules/{name}/resume'],
    listToolCalls: ['GET', '/v1/runs/{id}/tool-calls'],
    listToolCallsByStatus: ['GET', '/v1/tool-calls'],
    resolveToolCall: ['POST', '/v1/runs/{id}/tool-calls/{key}/resolve'],
    listBreakers: ['GET', '/v1/breakers'],
    resetBreaker: ['POST', '/v1/breakers/{name}/reset'],
    listApprovals: ['GET', '/v1/approvals'],
    getInbox: ['GET', '/v1/inbox'],
    getApproval: ['GET', '/v1/approvals/{id}'],
    decideApproval: ['POST', '/v1/approvals/{id}/decision'],
    ingestEvent: ['POST', '/v1/events/{source}'],
    listDeadLetters: ['GET', '/v1/dead-letters'],
    getDeadLetter: ['GET', '/v1/dead-letters/{runId}'],
    retryDeadLetter: ['POST', '/v1/dead-letters/{runId}/retry'],
    discardDeadLetter: ['POST', '/v1/dead-letters/{runId}/discard'],
    getRunCost: ['GET', '/v1/runs/{id}/cost'],
    getCostReport: ['GET', '/v1/costs'],
    listWorkers: ['GET', '/v1/workers'],
    listVersions: ['GET', '/v1/versions'],
    getMetrics: ['GET', '/metrics'],
    signInConsole: ['POST', '/console/session'],
    getConsoleSession: ['GET', '/console/session'],
    signOutConsole: ['DELETE', '/console/session'],
} as const;
