/** The GraphQL documents of the page (field names from schema/subgraphs/*.graphql). */

const WINDOW = 'windowStart windowEnd tripCount completedCount cancelledCount cancellationRate averagePrice revenue isFinal';

export const REGIONS = /* GraphQL */ `query DashboardRegions { regions { id name city } }`;
export const PLATFORM_WINDOWS = /* GraphQL */ `query DashboardPlatformWindows($m: Int!) { platformWindows(windowMinutes: $m, last: 36) { windowMinutes ${WINDOW} } }`;
export const REGION_WINDOWS = /* GraphQL */ `query DashboardRegionWindows($r: ID!, $m: Int!) { regionWindows(regionId: $r, windowMinutes: $m, last: 1) { regionId windowMinutes ${WINDOW} } }`;
export const PLATFORM_LIVE = /* GraphQL */ `subscription DashboardPlatform($m: Int!) { platformTotals(windowMinutes: $m) { windowMinutes ${WINDOW} } }`;
export const REGION_LIVE = /* GraphQL */ `subscription DashboardRegions($m: Int!) { regionAggregates(windowMinutes: $m) { regionId windowMinutes ${WINDOW} } }`;
export const ALERTS_LIVE = /* GraphQL */ `subscription DashboardAlerts { alerts { id severity kind dag task source logicalDate message raisedAt } }`;

export const REVENUE = /* GraphQL */ `query DashboardRevenue($from: DateTime!) { revenuePerDay(from: $from) { date revenue payments completed failed refunded } }`;
export const TRIPS_BY_REGION = /* GraphQL */ `query DashboardTripsByRegion($from: DateTime!) { tripStats(granularity: HOUR, from: $from) { region { id name } trips completed cancelled revenue } }`;
export const DRIVERS = /* GraphQL */ `query DashboardDrivers { driverStats(first: 10, orderBy: TRIPS_COMPLETED) { id name status region { name } stats { tripsCompleted revenue averageRating ratingCount } } }`;

export const JOBS = /* GraphQL */ `query DashboardJobs { jobs { job state processed deadLettered lastError updatedAt } counters { eventsProcessed eventsDeadLettered } }`;
export const QUALITY = /* GraphQL */ `query DashboardQuality { qualityRuns(last: 12) { model test kind status severity failures logicalDate checkedAt } }`;

export const MODELS = /* GraphQL */ `query DashboardModels { models { name stage loaded champion { version stage trainedAt } challenger { version } gate { passed failures } } }`;
export const MODEL_HEALTH = /* GraphQL */ `query DashboardModelHealth($name: String!) {
  driftReports(model: $name, last: 1) { modelVersion logicalDate datasetDrift share driftedColumns columnCount checkedAt }
  modelQuality(name: $name) { minLabels thresholds { name value } versions { version degraded total { labelled precision recall } } }
}`;

export interface WindowFields {
  readonly windowMinutes: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly tripCount: number;
  readonly completedCount: number;
  readonly cancelledCount: number;
  readonly cancellationRate: number;
  readonly averagePrice: number | null;
  readonly revenue: number;
  readonly isFinal: boolean;
}

export interface RegionWindow extends WindowFields {
  readonly regionId: string;
}

export interface PipelineAlert {
  readonly id: string;
  readonly severity: 'WARN' | 'ERROR';
  readonly kind: string;
  readonly dag: string | null;
  readonly task: string | null;
  readonly source: string | null;
  readonly logicalDate: string | null;
  readonly message: string;
  readonly raisedAt: string;
}
