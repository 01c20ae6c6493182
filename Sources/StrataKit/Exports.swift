@_exported import StrataCore
@_exported import StrataPostgres
@_exported import StrataSQLite
