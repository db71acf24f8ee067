// API types: aliases of the schemas generated from the API's OpenAPI document
// (`npm run gen:types` → lib/api-types.ts). Never edit shapes here by hand.
import type { components } from "./api-types";

type S = components["schemas"];

export type AuthConfig = S["AuthConfig"];
export type TokenResponse = S["TokenResponse"];
export type User = S["UserRead"];
export type UserUpdate = S["UserUpdate"];
export type Account = S["AccountSummary"];
export type AccountDetail = S["AccountDetail"];
export type AccountCreate = S["AccountCreate"];
export type Position = S["PositionDetail"];
export type Instrument = S["InstrumentRead"];
export type Classification = S["InstrumentClassification"];
export type ImportResult = S["ImportResult"];
export type Job = S["JobRead"];
export type JobSummary = S["JobSummary"];
export type JobCreated = S["AnalyzeResponse"];
export type JobEvent = S["JobEventRead"];
export type PortfolioView = S["PortfolioView"];
export type ApiChartSpec = S["ChartSpec"];
export type DataQuality = S["DataQuality"];
export type StalePrice = S["StalePrice"];
export type MissingPrice = S["MissingPrice"];
export type PriceHistoryEntry = S["PriceHistoryEntry"];
export type UserPriceSet = S["UserPriceSet"];
