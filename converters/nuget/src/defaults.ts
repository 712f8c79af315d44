// The canonical public NuGet endpoints. This is the only file that writes them; everything else (parsers,
// tests, fixtures) takes them from here or from the lockfile and nuget.config.

/** nuget.org's v3 service index: the source `dotnet new` projects restore from. */
export const NUGET_ORG_SERVICE_INDEX = 'https://api.nuget.org/v3/index.json';

/**
 * nuget.org's flat container (`PackageBaseAddress/3.0.0` in its service index). Known here so that
 * `--offline` can build URLs for nuget.org packages without reading the service index.
 */
export const NUGET_ORG_FLAT_CONTAINER = 'https://api.nuget.org/v3-flatcontainer/';

/** nuget.org's legacy v2 feed, which some old nuget.config files still name. */
export const NUGET_ORG_V2 = 'https://www.nuget.org/api/v2';

/** Every spelling of nuget.org's source that maps to the flat container above. */
export const NUGET_ORG_SOURCES: readonly string[] = [NUGET_ORG_SERVICE_INDEX, `${NUGET_ORG_V2}`, `${NUGET_ORG_V2}/`];

/** The service index resource type that gives the flat container base address. */
export const PACKAGE_BASE_ADDRESS_TYPES: readonly string[] = ['PackageBaseAddress/3.0.0'];
