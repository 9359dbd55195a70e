-- GET /users/{id} over ids that exist and are cached (the file named by IDS_FILE, one id a line).
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/users/" .. ids[math.random(#ids)])
end
