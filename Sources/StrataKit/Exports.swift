@_exported import StrataCore
@_exported import StrataPostgres
@_exported import StrataSQLite
@_exported import StrataSafety
@_exported import StrataDeploy
@_exported import StrataNotify
@_exported import StrataAdopt
