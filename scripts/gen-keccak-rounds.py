# Generates the unrolled Keccak-f[1600] round body for Sources/Primitives/Crypto/Keccak256.swift.
R = [0,1,62,28,27,36,44,6,55,20,3,10,43,25,39,41,45,15,21,8,18,2,61,56,14]
out = []
def rot(v, n):
    return v if n == 0 else f"({v} << {n} | {v} >> {64-n})"
out.append("            let c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20")
for x in range(1,5):
    out.append(f"            let c{x} = a{x} ^ a{x+5} ^ a{x+10} ^ a{x+15} ^ a{x+20}")
for x in range(5):
    out.append(f"            let d{x} = c{(x-1)%5} ^ {rot(f'c{(x+1)%5}',1)}")
b = {}
for y in range(5):
    for x in range(5):
        i = x + 5*y
        j = y + 5*((2*x+3*y)%5)
        b[j] = (i, R[i])
for j in range(25):
    i, r = b[j]
    out.append(f"            let b{j} = {rot(f'(a{i} ^ d{i%5})', r)}")
for y in range(5):
    for x in range(5):
        i = x+5*y
        out.append(f"            a{i} = b{i} ^ (~b{(x+1)%5+5*y} & b{(x+2)%5+5*y})")
print("\n".join(out))
