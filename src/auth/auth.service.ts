import { BadRequestException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG } from '../config/config.module';
import type { AdminAccount, RuntimeConfig } from '../config/app-config';
import type { LoginResponseDto, TokenClaimsDto } from './dto/login.dto';

export type TokenClaims = TokenClaimsDto;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Tokens verified lately: a bot sends the same token with every vote. */
const VERIFIED_CACHE = 1_000;

/** What a refused login is told. */
export const LOGIN_ERRORS = {
  noKey: 'Admin key is required: send {"apiKey": "..."}',
  wrongKey: 'Invalid admin key',
  tooMany: 'Too many login attempts: try again after the seconds in the Retry-After header',
} as const;

@Injectable()
export class AuthService {
  private readonly admins: { name: string; keyDigest: Buffer }[];
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    this.admins = config.admins.map((a: AdminAccount) => ({
      name: a.name,
      keyDigest: digest(a.key),
    }));
  }

  login(key: string | undefined): LoginResponseDto {
    if (!key) throw new BadRequestException(LOGIN_ERRORS.noKey);
    const admin = this.findAdmin(key);
    if (!admin) throw new UnauthorizedException(LOGIN_ERRORS.wrongKey);
    const token = this.jwt.sign({ role: 'admin', name: admin.name, timestamp: Date.now() });
    return {
      token,
      message: 'Authentication successful',
      expiresIn: this.config.jwtExpiresIn,
      name: admin.name,
    };
  }

  /**
   * The token's claims, or undefined when it is malformed, forged, expired or not ours. A token
   * verified lately is not verified again until it expires (tokens cannot be revoked, so the
   * answer could not change before then).
   */
  verify(token: string): TokenClaims | undefined {
    const known = this.verified.get(token);
    if (known && known.exp * 1000 > Date.now()) return known;
    try {
      const claims = this.jwt.verify<TokenClaims>(token);
      if (claims.role !== 'admin' || typeof claims.name !== 'string') return undefined;
      if (this.verified.size >= VERIFIED_CACHE) this.verified.clear();
      this.verified.set(token, claims);
      return claims;
    } catch {
      this.verified.delete(token);
      return undefined;
    }
  }

  /**
   * Compares digests in constant time and always checks every admin, so neither the
   * key's content nor which admin matched shows in the response time.
   */
  private findAdmin(key: string): { name: string } | undefined {
    const candidate = digest(key);
    let match: { name: string } | undefined;
    for (const admin of this.admins) {
      if (timingSafeEqual(candidate, admin.keyDigest) && !match) match = admin;
    }
    return match;
  }
}
