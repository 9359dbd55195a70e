-- GET /users/{id} of a fresh random id each time: a cache miss and a shard read per request (answered 404).
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local hex = "0123456789abcdef"
local function uuid()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx", "x", function()
    local i = math.random(16)
    return hex:sub(i, i)
  end))
end
request = function()
  return wrk.format("GET", "/users/" .. uuid())
end
