import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule, seconds } from '@nestjs/throttler';
import { createSecretKey } from 'node:crypto';
import type { StringValue } from 'ms';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { AuthController } from './auth.controller';
import { AuthService, LOGIN_ERRORS } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';

// A bare number means seconds to jsonwebtoken, but milliseconds when passed as a string.
const expiresIn = (value: string): number | StringValue =>
  /^\d+$/.test(value) ? Number(value) : (value as StringValue);

@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) => {
        // A KeyObject made once verifies ~50x faster than a string secret (see stack notes).
        const key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
        return {
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: 'HS256', expiresIn: expiresIn(config.jwtExpiresIn) },
          // Pinning the algorithm refuses `alg: none` and tokens signed any other way.
          verifyOptions: { algorithms: ['HS256'] },
        };
      },
    }),
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) => ({
        throttlers: [
          { ttl: seconds(config.loginRateLimit.windowSeconds), limit: config.loginRateLimit.limit },
        ],
        errorMessage: LOGIN_ERRORS.tooMany,
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, JwtAuthGuard],
  exports: [AuthService, JwtAuthGuard],
})
export class AuthModule {}
