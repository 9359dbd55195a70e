-- POST /users: a row and its event in one transaction on the shard the new id routes to.
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"name":"Load %d","email":"load.%d.%d@example.com"}', n, n, math.random(1000000000))
  return wrk.format("POST", "/users", { ["Content-Type"] = "application/json" }, body)
end
