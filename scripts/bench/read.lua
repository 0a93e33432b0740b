-- wrk script: authorised eth_getBalance reads. Arguments: <read.json> <api key>.
function init(args)
  local file = io.open(args[1])
  body = file:read("*l")
  file:close()
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  wrk.headers["Content-Type"] = "application/json"
end
