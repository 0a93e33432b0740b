-- wrk script: sends the pre-signed transfers of transfers.jsonl, each once.
-- Thread t of T sends lines t, t+T, t+2T, …: every sender's nonces still arrive in order.
-- Arguments: <transfers.jsonl> <api key> <threads>. After its last line a thread sends cheap
-- eth_chainId calls until wrk's duration ends.
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  bodies = {}
  local index = 0
  thread_count = tonumber(args[3])
  for line in io.lines(args[1]) do
    if index % thread_count == (id - 1) then bodies[#bodies + 1] = line end
    index = index + 1
  end
  next_body = 1
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  wrk.headers["Content-Type"] = "application/json"
  filler = '{"jsonrpc":"2.0","id":0,"method":"eth_chainId"}'
end

-- wrk calls request() once while preparing a thread and may not send that request, so the
-- first call returns filler rather than a transfer that would leave a nonce gap.
local primed = false

function request()
  if not primed then
    primed = true
    return wrk.format(nil, "/", nil, filler)
  end
  local body = bodies[next_body]
  if body then
    next_body = next_body + 1
    return wrk.format(nil, "/", nil, body)
  end
  return wrk.format(nil, "/", nil, filler)
end
