/** Request limits shared by the gateway and the subgraphs, so both refuse the same bodies. */

/** Largest HTTP request body accepted, gateway and subgraphs alike (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
