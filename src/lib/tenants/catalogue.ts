import {didYouMean} from '../errors/did-you-mean.js'
import {UsageError} from '../errors/errors.js'

/*
 * The products and the data residency locations: data, with the source of each fact, not code. The product list,
 * the products data residency is offered for and the locations come from the public description of how the vendor
 * runs its cloud (shared/PRACTICES.md, "Data residency") and Atlassian's "Understand data residency"
 * (support.atlassian.com/security-and-access-policies/docs/understand-data-residency): "available for Jira,
 * Jira Service Management, Jira Product Discovery, and Confluence"; each location "corresponds with one or more
 * AWS regions". The regions of each location are the platform's own choice (issue 11 of this project).
 */

export interface Product {
  id: string
  name: string
  /** Whether a tenant may pin the product's data to a location. */
  residency: boolean
  /** Where the product's data always lives, whatever the tenant's location (Bitbucket: us-east-1). */
  fixedRegion?: string
}

export const products: readonly Product[] = [
  {id: 'jira', name: 'Jira', residency: true},
  {id: 'jira-service-management', name: 'Jira Service Management', residency: true},
  {id: 'jira-product-discovery', name: 'Jira Product Discovery', residency: true},
  {id: 'confluence', name: 'Confluence', residency: true},
  {id: 'compass', name: 'Compass', residency: false},
  {id: 'atlas', name: 'Atlas', residency: false},
  // Bitbucket Cloud's data is hosted in the US East region (support.atlassian.com, "Bitbucket Cloud data residency").
  {id: 'bitbucket', name: 'Bitbucket', residency: false, fixedRegion: 'us-east-1'},
  {id: 'trello', name: 'Trello', residency: false},
  {id: 'opsgenie', name: 'Opsgenie', residency: false},
  {id: 'statuspage', name: 'Statuspage', residency: false},
]

export interface Location {
  /** The code a tenant is pinned with: US, EU, GB, DE, CH, AU, CA, IN, JP, SG, KR. */
  code: string
  name: string
  regions: readonly string[]
}

export const locations: readonly Location[] = [
  {code: 'US', name: 'United States', regions: ['us-east-1', 'us-west-2']},
  {code: 'EU', name: 'European Union', regions: ['eu-central-1', 'eu-west-1']},
  {code: 'GB', name: 'United Kingdom', regions: ['eu-west-2']},
  {code: 'DE', name: 'Germany', regions: ['eu-central-1']},
  {code: 'CH', name: 'Switzerland', regions: ['eu-central-2']},
  {code: 'AU', name: 'Australia', regions: ['ap-southeast-2']},
  {code: 'CA', name: 'Canada', regions: ['ca-central-1']},
  {code: 'IN', name: 'India', regions: ['ap-south-1']},
  {code: 'JP', name: 'Japan', regions: ['ap-northeast-1']},
  {code: 'SG', name: 'Singapore', regions: ['ap-southeast-1']},
  {code: 'KR', name: 'South Korea', regions: ['ap-northeast-2']},
]

/** A tenant not pinned to a location: its data lives near most of its users, and may move. */
export const GLOBAL = 'global'

/**
 * Where each AWS region's data centres are, roughly (the city AWS names for the region, in degrees), to place a
 * product "near" a region. Source: the AWS regions list (docs.aws.amazon.com/global-infrastructure/latest/regions)
 * for the cities; the coordinates are the cities'.
 */
const regionSites: Record<string, [number, number]> = {
  'us-east-1': [38.9, -77.4],
  'us-east-2': [40.0, -83.0],
  'us-west-1': [37.4, -122.0],
  'us-west-2': [45.8, -119.7],
  'ca-central-1': [45.5, -73.6],
  'ca-west-1': [51.0, -114.1],
  'mx-central-1': [20.6, -100.4],
  'sa-east-1': [-23.5, -46.6],
  'eu-west-1': [53.3, -6.3],
  'eu-west-2': [51.5, -0.1],
  'eu-west-3': [48.9, 2.4],
  'eu-central-1': [50.1, 8.7],
  'eu-central-2': [47.4, 8.5],
  'eu-north-1': [59.3, 18.1],
  'eu-south-1': [45.5, 9.2],
  'eu-south-2': [41.6, -0.9],
  'il-central-1': [32.1, 34.8],
  'me-south-1': [26.1, 50.6],
  'me-central-1': [25.2, 55.3],
  'af-south-1': [-33.9, 18.4],
  'ap-south-1': [19.1, 72.9],
  'ap-south-2': [17.4, 78.5],
  'ap-southeast-1': [1.35, 103.8],
  'ap-southeast-2': [-33.9, 151.2],
  'ap-southeast-3': [-6.2, 106.8],
  'ap-southeast-4': [-37.8, 145.0],
  'ap-southeast-5': [3.1, 101.7],
  'ap-southeast-6': [-36.8, 174.8],
  'ap-southeast-7': [13.8, 100.5],
  'ap-northeast-1': [35.7, 139.7],
  'ap-northeast-2': [37.6, 127.0],
  'ap-northeast-3': [34.7, 135.5],
  'ap-east-1': [22.3, 114.2],
  'ap-east-2': [25.0, 121.6],
}

/** Great-circle distance in kilometres between two regions' sites; regions without a known site are the farthest. */
export function regionDistance(a: string, b: string): number {
  const [from, to] = [regionSites[a], regionSites[b]]
  if (!from || !to) return Number.POSITIVE_INFINITY
  const rad = (degrees: number) => (degrees * Math.PI) / 180
  const [dLat, dLon] = [rad(to[0] - from[0]), rad(to[1] - from[1])]
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(from[0])) * Math.cos(rad(to[0])) * Math.sin(dLon / 2) ** 2
  return 2 * 6371 * Math.asin(Math.sqrt(h))
}

export function productOf(id: string): Product {
  const found = products.find((p) => p.id === id)
  if (!found)
    throw new UsageError(
      `Unknown product "${id}"; ${didYouMean(
        id,
        products.map((p) => p.id),
        'product',
      )}`,
      'UnknownProduct',
    )
  return found
}

export function locationOf(code: string): Location {
  const found = locations.find((l) => l.code === code.toUpperCase())
  if (!found) throw new UsageError(`Unknown location "${code}"; the locations are ${locations.map((l) => l.code).join(', ')}.`, 'UnknownLocation')
  return found
}

/** The location a region belongs to, for a pinned tenant's refusals and the residency check (the first that lists it). */
export const locationsOfRegion = (region: string) => locations.filter((l) => l.regions.includes(region)).map((l) => l.code)

/**
 * The regions a product of a tenant may live in: a fixed one (Bitbucket), the location's when the tenant is pinned
 * (refused for a product that offers no residency), otherwise any of `candidates`.
 */
export function allowedRegions(product: Product, residency: string, candidates: readonly string[]): string[] {
  if (product.fixedRegion) return [product.fixedRegion]
  if (residency === GLOBAL) return [...candidates]
  if (!product.residency) {
    throw new UsageError(
      `Data residency is not offered for ${product.name}; it is offered for ${products
        .filter((p) => p.residency)
        .map((p) => p.name)
        .join(', ')}: provision ${product.id} for a tenant without --residency, or leave it out.`,
      'ResidencyNotOffered',
    )
  }
  return [...locationOf(residency).regions]
}
