/** The shared subgraph kit: server, loaders, cursors, argument checks, scalars, errors. */
export { createSubgraphServer, type RequestInfo, type SubgraphResolvers, type SubgraphServer, type SubgraphServerOptions } from './server.ts';
export { loadSubgraphTypeDefs, subgraphSdlPath } from './schema-file.ts';
export { createLoader, createGroupLoader, type LoaderOptions } from './loaders.ts';
export { encodeCursor, decodeCursor, encodeKeysetCursor, decodeKeysetCursor, type CursorKind, type CursorPart, type KeysetPosition } from './cursor.ts';
export { keysetPage, keysetCondition, keysetQuery, countWhere, toConnection, type Connection, type KeysetPage, type KeysetTable } from './pagination.ts';
export { pageSize, timeRange, optionalRange, intInRange, type PageSizeLimits, type TimeRange, type TimeRangeRules } from './validation.ts';
export { SqlConditions, enumToDb, dbToEnum, num, numOrNull, str, strOrNull } from './sql.ts';
export { DateTimeScalar, dateToEpochMs } from './scalars.ts';
export { badUserInput, createErrorFormatter, type ErrorFormatter } from './errors.ts';
export { createSignatureCheck, HMAC_EXTENSION, type SubgraphSignatureOptions } from './signature.ts';
export { MART_MAX_DAYS, MART_PAGE, dateRange, martPage, martTable, type DateRange, type MartPage, type MartPageArgs, type MartQuery } from './marts.ts';
